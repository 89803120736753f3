// One byte-exact text for a value, however it was produced or read back: object keys sorted,
// dates as epoch milliseconds, `undefined` left out (as JSON does). What is hashed is this text.
// It runs for every decision's values on the worker's hot path, so it builds the text in one pass.
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot hash the number ${value}`);
    return JSON.stringify(value);
  }
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + (value[i] === undefined ? "null" : canonicalJson(value[i]));
    return `${out}]`;
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    // Sorted by UTF-16 code units, as `<` compares strings.
    const keys = Object.keys(record);
    if (keys.length > 1) keys.sort();
    let out = "{";
    let first = true;
    for (const k of keys) {
      const v = record[k];
      if (v === undefined) continue;
      out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v)}`;
      first = false;
    }
    return `${out}}`;
  }
  throw new Error(`cannot hash a ${typeof value}`);
}
