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

/** The digest of a kind's text (`kindText`). */
export const digestOfKindText = (text: string): string => hash("sha256", text, "hex");

export const kindDigest = (k: DecisionKindContent): string => digestOfKindText(kindText(k));

/** The id of a kind: the first 53 bits of its digest (a safe integer, the same in every process). */
const kindIdOfDigest = (digest: string): number => Number(BigInt(`0x${digest.slice(0, 16)}`) >> 11n);

/** The reason a report counts a decision under: why it was withheld, or how it was allowed. */
export function reportReason(outcome: string, reasons: readonly { code: string }[]): string {
  if (reasons.length === 0) return "NONE";
  if (outcome === "withhold") return reasons[0]!.code;
  if (outcome === "transform") return reasons.find((r) => r.code === "ROUNDED" || r.code === "PROPERTIES_DROPPED")?.code ?? reasons.at(-1)!.code;
  return reasons.at(-1)!.code;
}

/**
 * Kinds seen by this process, in a trie keyed by their parts one after another, so a lookup builds
 * no string (a key string holding every reason's JSON took a third of the worker's deciding time).
 * The engine's reason objects are frozen (they hold only strings and numbers, and are handed out
 * again and again), so they are keyed by identity; any other reason by its JSON.
 */
interface KindNode {
  next: Map<unknown, KindNode>;
  kind?: DecisionKind;
}
let kindTrie: KindNode = { next: new Map() };
let kindCount = 0;
const child = (node: KindNode, key: unknown): KindNode => {
  let c = node.next.get(key);
  if (c === undefined) node.next.set(key, (c = { next: new Map() }));
  return c;
};
const reasonKey = (r: DecisionReason): unknown => (Object.isFrozen(r) ? r : JSON.stringify(r));

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
  let node = child(child(child(child(child(child(kindTrie, d.partnerId), d.categoryKey), d.mode), d.stage), d.outcome), avid);
  node = child(child(node, clauseKeys.length === 1 ? clauseKeys[0] : clauseKeys.join("\u0001")), consentVersion);
  for (let i = 0; i < d.reasons.length; i++) node = child(node, reasonKey(d.reasons[i]!));
  let k = node.kind;
  if (!k) {
    // As the database will give it back: JSON through JSON.
    const reasons = JSON.parse(JSON.stringify(d.reasons)) as unknown[];
    const content: DecisionKindContent = {
      partnerId: d.partnerId,
      categoryKey: d.categoryKey,
      mode: d.mode,
      stage: d.stage,
      outcome: d.outcome,
      reasons,
      agreementVersionId: avid,
      clauseKeys: [...clauseKeys],
      consentVersion,
    };
    const digest = kindDigest(content);
    k = {
      ...content,
      id: kindIdOfDigest(digest),
      digest,
      reportReason: reportReason(d.outcome, reasons as { code: string }[]),
    };
    if (++kindCount > 50_000) {
      kindTrie = { next: new Map() };
      kindCount = 0;
    }
    node.kind = k;
  }
  return k;
}
