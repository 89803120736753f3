// CSV for spreadsheets (the homeowner's ledger, legal's reports), written by csv-stringify: quoted
// where a cell needs it, and a cell a spreadsheet would run as a formula (starting with =, +, -, @,
// a tab or a carriage return: device, home and partner names are typed by people) prefixed with a
// quote, as OWASP advises against CSV injection.
import { stringify } from "csv-stringify/sync";

const text = (v: unknown): string =>
  v === null || v === undefined ? "" : typeof v === "string" ? v : v instanceof Date ? v.toISOString() : typeof v === "number" ? String(v) : JSON.stringify(v);

/** A header line and one line per row, `\n`-terminated. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return stringify([header, ...rows.map((r) => r.map(text))], { escape_formulas: true, record_delimiter: "unix" });
}
