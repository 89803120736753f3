// A Merkle tree over a batch's decisions, with domain-separated leaves and nodes (RFC 6962 style:
// 0x00 ‖ leaf, 0x01 ‖ left ‖ right) so a node can never pass for a leaf. An odd node at the end of
// a level moves up unchanged.
import { hash } from "node:crypto";

export type Hex = string;

// One-shot hashing (no Hash object per call): this runs once per decision on the worker's hot path.
const sha256 = (data: Buffer | string): Buffer => hash("sha256", data, "buffer") as unknown as Buffer;

const NODE = Buffer.from([1]);

/** 0x00 ‖ the leaf's UTF-8 text (U+0000 is the one byte 0x00 in UTF-8). */
export const leafHash = (canonical: string): Hex => hash("sha256", `\u0000${canonical}`, "hex");
/** `leafHash` as bytes, for trees built right away (no hex round trip). */
export const leafHashBytes = (canonical: string): Buffer => hash("sha256", `\u0000${canonical}`, "buffer") as unknown as Buffer;
export const EMPTY_ROOT: Hex = sha256("").toString("hex");

function parent(left: Buffer, right: Buffer) {
  return sha256(Buffer.concat([NODE, left, right], 65));
}

/** Every level of the tree, leaves first, root last; an odd node at the end moves up unchanged. */
export function merkleLevels(leaves: readonly (Hex | Buffer)[]): Buffer[][] {
  let level: Buffer[] = leaves.map((h) => (typeof h === "string" ? Buffer.from(h, "hex") : h));
  const levels = [level];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? parent(level[i]!, level[i + 1]!) : level[i]!);
    levels.push((level = next));
  }
  return levels;
}

/**
 * Level 6 of a tree: the roots of its aligned 64-leaf subtrees ("chunks"). The levels above it are
 * exactly `merkleLevels` of those roots, and a leaf's path inside its chunk is its path in the tree.
 */
export const CHUNK_LEVEL = 6;
export const CHUNK_SIZE = 2 ** CHUNK_LEVEL;

export function merkleRoot(leaves: readonly (Hex | Buffer)[]): Hex {
  if (leaves.length === 0) return EMPTY_ROOT;
  return merkleLevels(leaves).at(-1)![0]!.toString("hex");
}

/** One step of an inclusion proof: the sibling's hash and the side it sits on. */
export interface ProofStep {
  side: "left" | "right";
  hash: Hex;
}

/** The path from leaf `index` to the root, read off levels built once (`merkleLevels`). */
export function proofFromLevels(levels: readonly Buffer[][], index: number): ProofStep[] {
  if (index < 0 || index >= (levels[0]?.length ?? 0)) throw new RangeError(`leaf ${index} is not in a tree of ${levels[0]?.length ?? 0}`);
  const steps: ProofStep[] = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) steps.push({ side: i % 2 === 0 ? "right" : "left", hash: level[sibling]!.toString("hex") });
    i = Math.floor(i / 2);
  }
  return steps;
}

export function inclusionProof(leaves: readonly Hex[], index: number): ProofStep[] {
  return proofFromLevels(merkleLevels(leaves), index);
}

/** Recomputes the root from a leaf and its path: what a third party runs. */
export function rootFromProof(leaf: Hex, steps: readonly ProofStep[]): Hex {
  let h: Buffer = Buffer.from(leaf, "hex");
  for (const s of steps) h = s.side === "left" ? parent(Buffer.from(s.hash, "hex"), h) : parent(h, Buffer.from(s.hash, "hex"));
  return h.toString("hex");
}
