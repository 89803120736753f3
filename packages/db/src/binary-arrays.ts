// Array parameters in PostgreSQL's binary format, for the worker's hot path. The `pg` driver sends
// a Buffer parameter as binary, and the server reads a binary array without parsing text: measured
// on 100,000 elements, a uuid[] cost the server 22 ms instead of 105, a timestamptz[] 19 ms instead
// of 64 (and building it here 6 ms instead of 91, with no toISOString). Used as `${binary.uuids(x)}::uuid[]`.
//
// The format (array_recv): int32 ndim, int32 has-nulls, int32 element type oid, per dimension
// int32 length and int32 lower bound, then per element int32 byte length (-1 for NULL) and bytes.

const OID = { bool: 16, int8: 20, int4: 23, text: 25, jsonb: 3802, timestamptz: 1184, uuid: 2950 } as const;
/** 2000-01-01T00:00:00Z, where PostgreSQL's timestamps count from. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

type Maybe<T> = T | null | undefined;

function header(b: Buffer, oid: number, n: number, hasNull: boolean): number {
  b.writeInt32BE(n === 0 ? 0 : 1, 0);
  b.writeInt32BE(hasNull ? 1 : 0, 4);
  b.writeInt32BE(oid, 8);
  if (n === 0) return 12;
  b.writeInt32BE(n, 12);
  b.writeInt32BE(1, 16);
  return 20;
}

const headerSize = (n: number) => (n === 0 ? 12 : 20);

/**
 * An array of `xs`: a non-null element takes `sizeOf(x)` bytes, written by `write` (which returns
 * how many it wrote); NULL is a length of -1.
 */
function encode<T>(oid: number, xs: readonly Maybe<T>[], sizeOf: (x: T) => number, write: (b: Buffer, o: number, x: T) => number): Buffer {
  let size = headerSize(xs.length);
  let nulls = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x == null) nulls++;
    else size += sizeOf(x);
    size += 4;
  }
  const b = Buffer.allocUnsafe(size);
  let o = header(b, oid, xs.length, nulls > 0);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const n = x == null ? -1 : write(b, o + 4, x);
    b.writeInt32BE(n, o);
    o += 4 + Math.max(n, 0);
  }
  return b;
}

/** Fixed-size elements: `size` bytes each. */
const fixed = <T>(oid: number, size: number, xs: readonly Maybe<T>[], write: (b: Buffer, o: number, x: T) => void) =>
  encode(oid, xs, () => size, (b, o, x) => (write(b, o, x), size));

/** A safe integer as a big-endian two's-complement int64. */
function writeInt64(b: Buffer, o: number, n: number) {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${n} is not a safe integer`);
  const hi = Math.floor(n / TWO_32);
  b.writeInt32BE(hi, o);
  b.writeUInt32BE(n - hi * TWO_32, o + 4);
}

const hexValue = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) hexValue[48 + i] = i;
for (let i = 0; i < 6; i++) hexValue[65 + i] = hexValue[97 + i] = 10 + i;

function writeUuid(b: Buffer, o: number, u: string) {
  let bad = u.length !== 36 || u.charCodeAt(8) !== 45 || u.charCodeAt(13) !== 45 || u.charCodeAt(18) !== 45 || u.charCodeAt(23) !== 45 ? -1 : 0;
  for (let i = 0, j = o; i < 36 && bad === 0; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    const c1 = u.charCodeAt(i), c2 = u.charCodeAt(i + 1);
    const hi = c1 < 128 ? hexValue[c1]! : -1, lo = c2 < 128 ? hexValue[c2]! : -1;
    if ((hi | lo) < 0) bad = -1; // not a hex digit
    b[j++] = (hi << 4) | lo;
  }
  if (bad < 0) throw new TypeError(`not a uuid: ${JSON.stringify(u)}`);
}

/** Text elements in UTF-8, after `prefix` bytes (jsonb's version byte). */
const variable = (oid: number, xs: readonly Maybe<string>[], prefix: readonly number[] = []) =>
  encode(
    oid,
    xs,
    (x) => prefix.length + Buffer.byteLength(x),
    (b, o, x) => {
      for (let k = 0; k < prefix.length; k++) b[o + k] = prefix[k]!;
      return prefix.length + b.write(x, o + prefix.length, "utf8");
    },
  );

export const binary = {
  uuids: (xs: readonly Maybe<string>[]) => fixed(OID.uuid, 16, xs, writeUuid),
  bigints: (xs: readonly Maybe<number>[]) => fixed(OID.int8, 8, xs, writeInt64),
  ints: (xs: readonly Maybe<number>[]) =>
    fixed(OID.int4, 4, xs, (b, o, n) => {
      if (!Number.isInteger(n) || n < -2_147_483_648 || n > 2_147_483_647) throw new RangeError(`${n} is not an int4`);
      b.writeInt32BE(n, o);
    }),
  bools: (xs: readonly Maybe<boolean>[]) => fixed(OID.bool, 1, xs, (b, o, x) => void (b[o] = x ? 1 : 0)),
  /** Epoch milliseconds (integers) → timestamptz. */
  timestamps: (ms: readonly Maybe<number>[]) =>
    fixed(OID.timestamptz, 8, ms, (b, o, m) => {
      if (!Number.isInteger(m)) throw new RangeError(`${m} is not a time in whole milliseconds`);
      writeInt64(b, o, (m - PG_EPOCH_MS) * 1000);
    }),
  texts: (xs: readonly Maybe<string>[]) => variable(OID.text, xs),
  /** JSON documents, as text (the server parses each one, as it would a jsonb literal). */
  jsonbs: (docs: readonly Maybe<string>[]) => variable(OID.jsonb, docs, [1]),
};
