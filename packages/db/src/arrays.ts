// Array parameters as Postgres array literals, built as text. The hot path writes each table with
// one `insert … select from unnest($1::uuid[], …)` statement; building the literal here is several
// times cheaper than handing the driver JS arrays (it escapes and quotes every element generically),
// and the statement stays one parameter per column.

/** Values that never need quoting or escaping: numbers, booleans, uuids, enum labels, ISO timestamps. */
export function plainArray(xs: readonly (string | number | boolean | null | undefined)[]): string {
  let s = "{";
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    s += (i ? "," : "") + (x == null ? "NULL" : x);
  }
  return `${s}}`;
}

/** Any text (JSON documents, array literals of their own): quoted, `"` and `\` escaped. */
export function textArray(xs: readonly (string | null | undefined)[]): string {
  let s = "{";
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    s += (i ? "," : "") + (x == null ? "NULL" : `"${x.replace(/["\\]/g, "\\$&")}"`);
  }
  return `${s}}`;
}

/** JSON values as a jsonb[] literal (null stays SQL NULL). */
export const jsonArray = (xs: readonly unknown[]): string => textArray(xs.map((x) => (x == null ? null : JSON.stringify(x))));
