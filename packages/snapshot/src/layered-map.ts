// A map that is another with a few entries set or removed, sharing the other's storage: how the
// worker's snapshot takes a link or device change without copying maps of hundreds of thousands of
// entries (≈ 30–50 ms each at 100,000 homes, all of it on the thread that decides). Layers do not
// stack: each new one holds every change since the plain map below it, and once they outgrow an
// eighth of it (or 1,024 entries) the changes are made in a plain copy instead, so a lookup costs
// at most two and the copying stays proportional to what changed. (Measured on 300,000 uuid keys:
// ≈ 260 ns a lookup against ≈ 100–160 for the plain map, so ingest's two a change cost ≈ 0.2 µs
// more until the next whole load.)
const GONE: unique symbol = Symbol("gone");

export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  readonly size: number;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly top: ReadonlyMap<K, V | typeof GONE>,
    size: number,
  ) {
    this.size = size;
  }

  /** `map` with `changes` made (an undefined value removes the key); `map` is left as it was. */
  static with<K, V>(map: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V | undefined>): ReadonlyMap<K, V> {
    const base = map instanceof LayeredMap ? (map.base as ReadonlyMap<K, V>) : map;
    const top = new Map<K, V | typeof GONE>(map instanceof LayeredMap ? (map.top as ReadonlyMap<K, V | typeof GONE>) : []);
    for (const [k, v] of changes) top.set(k, v === undefined ? GONE : v);
    if (top.size > Math.max(1_024, base.size / 8)) {
      const flat = new Map(base);
      for (const [k, v] of top) {
        if (v === GONE) flat.delete(k);
        else flat.set(k, v);
      }
      return flat;
    }
    let size = base.size;
    for (const [k, v] of top) {
      const inBase = base.has(k);
      if (v === GONE && inBase) size--;
      else if (v !== GONE && !inBase) size++;
    }
    return new LayeredMap(base, top, size);
  }

  get(key: K): V | undefined {
    const v = this.top.get(key);
    if (v !== undefined) return v === GONE ? undefined : v;
    return this.base.get(key);
  }

  has(key: K): boolean {
    const v = this.top.get(key);
    return v !== undefined ? v !== GONE : this.base.has(key);
  }

  *entries(): MapIterator<[K, V]> {
    for (const entry of this.base) if (!this.top.has(entry[0])) yield entry;
    for (const [k, v] of this.top) if (v !== GONE) yield [k, v];
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}
