// The clause-level redline between two versions: clauses paired by their stable key; for a changed
// clause, every term that changed. Pure.
import type { ClauseTerms } from "@proviso/domain";

export interface ClauseView {
  clauseKey: string;
  kind: ClauseTerms["kind"];
  title: string;
  legalText: string;
  terms: ClauseTerms;
}

export interface TermChange {
  /** Dotted path into the terms, e.g. `modes` or `minimisation.roundTo`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface RedlineEntry {
  clauseKey: string;
  change: "added" | "removed" | "changed" | "unchanged";
  before: ClauseView | null;
  after: ClauseView | null;
  termChanges: TermChange[];
  titleChanged: boolean;
  textChanged: boolean;
}

/** Flattens terms to path → value; arrays are compared as sets of values, so order never counts. */
function flatten(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(prefix, Array.isArray(value) ? [...value].map(String).sort() : value);
  }
  return out;
}

export function diffTerms(before: ClauseTerms, after: ClauseTerms): TermChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const changes: TermChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (JSON.stringify(a.get(path)) !== JSON.stringify(b.get(path))) {
      changes.push({ path, before: a.get(path) ?? null, after: b.get(path) ?? null });
    }
  }
  return changes;
}

const keyOrder = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

export function computeRedline(base: ClauseView[], proposed: ClauseView[]): RedlineEntry[] {
  const before = new Map(base.map((c) => [c.clauseKey, c]));
  const after = new Map(proposed.map((c) => [c.clauseKey, c]));
  return [...new Set([...before.keys(), ...after.keys()])].sort(keyOrder).map((clauseKey) => {
    const b = before.get(clauseKey) ?? null;
    const a = after.get(clauseKey) ?? null;
    if (!b) return { clauseKey, change: "added", before: null, after: a, termChanges: [], titleChanged: false, textChanged: false };
    if (!a) return { clauseKey, change: "removed", before: b, after: null, termChanges: [], titleChanged: false, textChanged: false };
    const termChanges = diffTerms(b.terms, a.terms);
    const titleChanged = b.title !== a.title;
    const textChanged = b.legalText !== a.legalText;
    const change = termChanges.length || titleChanged || textChanged ? "changed" : "unchanged";
    return { clauseKey, change, before: b, after: a, termChanges, titleChanged, textChanged };
  });
}
