// A decision's *kind*: everything it concluded apart from the change it was about (partner,
// category, mode, stage, outcome, reasons, agreement version, clauses, consent version). A busy
// ledger repeats a few hundred kinds millions of times, so each is stored once (`decision_kinds`)
// and decisions point at it. Its id and its digest come from its content, so every writer in every
// process agrees on them without asking the database.
import type { DecisionReason } from "@proviso/domain";
import { hash } from "node:crypto";
import { canonicalJson } from "./canonical";

export interface DecisionKindContent {
  partnerId: string;
  categoryKey: string;
  mode: string;
  stage: string;
  outcome: string;
  reasons: unknown[];
  agreementVersionId: string | null;
  clauseKeys: string[];
  consentVersion: number | null;
}

export interface DecisionKind extends DecisionKindContent {
  /** 53 bits of `digest`: the row's id. */
  id: number;
  /** SHA-256 (hex) of the canonical content: what a sealed batch's chain entry commits to. */
  digest: string;
  /** What reports count it under (`reportReason`). */
  reportReason: string;
}

/** The text a kind's digest is taken of. */
export const kindText = (k: DecisionKindContent): string =>
  canonicalJson([k.partnerId, k.categoryKey, k.mode, k.stage, k.outcome, k.reasons, k.agreementVersionId, k.clauseKeys, k.consentVersion]);

export const kindDigest = (k: DecisionKindContent): string => hash("sha256", kindText(k), "hex");

/** The id of a kind: the first 53 bits of its digest (a safe integer, the same in every process). */
export function kindId(k: DecisionKindContent): number {
  return kindIdOfDigest(kindDigest(k));
}

export const kindIdOfDigest = (digest: string): number => Number(BigInt(`0x${digest.slice(0, 16)}`) >> 11n);

/** The reason a report counts a decision under: why it was withheld, or how it was allowed. */
export function reportReason(outcome: string, reasons: readonly { code: string }[]): string {
  if (reasons.length === 0) return "NONE";
  if (outcome === "withhold") return reasons[0]!.code;
  if (outcome === "transform") return reasons.find((r) => r.code === "ROUNDED" || r.code === "PROPERTIES_DROPPED")?.code ?? reasons.at(-1)!.code;
  return reasons.at(-1)!.code;
}

/**
 * A reason's part of a kind's cache key. The engine hands out the same frozen reason objects again
 * and again (they hold only strings and numbers): those are keyed by identity, the rest by JSON.
 */
const frozenKeys = new WeakMap<object, string>();
let frozenCount = 0;
function reasonKey(r: DecisionReason): string {
  if (!Object.isFrozen(r)) return JSON.stringify(r);
  let k = frozenKeys.get(r);
  if (k === undefined) frozenKeys.set(r, (k = `#${++frozenCount}`));
  return k;
}

/** Kinds seen by this process, by a cheap key (the digest is computed once per kind). */
const kinds = new Map<string, DecisionKind>();

export interface KindInput {
  partnerId: string;
  categoryKey: string;
  mode: string;
  stage: string;
  outcome: string;
  reasons: readonly DecisionReason[];
  agreementVersionId?: string | null;
  clauseKeys?: readonly string[];
  consentVersion?: number | null;
}

/** The kind of a decision, from this process's cache when it has seen one like it. */
export function kindOf(d: KindInput): DecisionKind {
  const avid = d.agreementVersionId ?? null;
  const clauseKeys = d.clauseKeys ?? [];
  const consentVersion = d.consentVersion ?? null;
  let key = `${d.partnerId}\u0001${d.categoryKey}\u0001${d.mode}\u0001${d.stage}\u0001${d.outcome}\u0001${avid}\u0001${clauseKeys.length === 1 ? clauseKeys[0] : clauseKeys.join("\u0002")}\u0001${consentVersion}`;
  for (let i = 0; i < d.reasons.length; i++) key += `\u0001${reasonKey(d.reasons[i]!)}`;
  let k = kinds.get(key);
  if (!k) {
    // As the database will give it back: JSON through JSON.
    const reasons = JSON.parse(JSON.stringify(d.reasons)) as unknown[];
    const content: DecisionKindContent = { partnerId: d.partnerId, categoryKey: d.categoryKey, mode: d.mode, stage: d.stage, outcome: d.outcome, reasons, agreementVersionId: avid, clauseKeys: [...clauseKeys], consentVersion };
    const digest = kindDigest(content);
    k = {
      ...content,
      id: kindIdOfDigest(digest),
      digest,
      reportReason: reportReason(d.outcome, reasons as { code: string }[]),
    };
    if (kinds.size > 50_000) kinds.clear();
    kinds.set(key, k);
  }
  return k;
}
