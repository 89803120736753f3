// A Merkle tree over a batch's leaves, with domain-separated leaves and nodes (RFC 6962 style:
// 0x00 ‖ leaf, 0x01 ‖ left ‖ right) so a node can never pass for a leaf. An odd node at the end of
// a level moves up unchanged. Hashes are hex strings throughout: one-shot hashing into hex costs
// half what it costs into a Buffer (measured: 0.64 µs against 1.28 µs for a 350-byte leaf).
import { hash } from "node:crypto";

export type Hex = string;

/** 0x00 ‖ the leaf's UTF-8 text (U+0000 is the one byte 0x00 in UTF-8). */
export const leafHash = (canonical: string): Hex => hash("sha256", `\u0000${canonical}`, "hex");
export const EMPTY_ROOT: Hex = hash("sha256", "", "hex");

/** 0x01 ‖ left ‖ right, assembled in one reused buffer (this runs once per leaf on the hot path). */
const node = Buffer.alloc(65, 1);
export function parentHash(left: Hex, right: Hex): Hex {
  // Something that is not a hash (a tampered proof step) gives a node no real tree has.
  if (left.length !== 64 || right.length !== 64 || node.write(left, 1, 32, "hex") !== 32 || node.write(right, 33, 32, "hex") !== 32)
    return hash("sha256", `\u0001not a node: ${left} ${right}`, "hex");
  return hash("sha256", node, "hex");
}

/** Every level of the tree, leaves first, root last; an odd node at the end moves up unchanged. */
export function merkleLevels(leaves: readonly Hex[]): Hex[][] {
  let level: Hex[] = [...leaves];
  const levels = [level];
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? parentHash(level[i]!, level[i + 1]!) : level[i]!);
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

export function merkleRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return EMPTY_ROOT;
  return merkleLevels(leaves).at(-1)![0]!;
}

/** One step of an inclusion proof: the sibling's hash and the side it sits on. */
export interface ProofStep {
  side: "left" | "right";
  hash: Hex;
}

/** The path from leaf `index` to the root, read off levels built once (`merkleLevels`). */
export function proofFromLevels(levels: readonly Hex[][], index: number): ProofStep[] {
  if (index < 0 || index >= (levels[0]?.length ?? 0)) throw new RangeError(`leaf ${index} is not in a tree of ${levels[0]?.length ?? 0}`);
  const steps: ProofStep[] = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) steps.push({ side: i % 2 === 0 ? "right" : "left", hash: level[sibling]! });
    i = Math.floor(i / 2);
  }
  return steps;
}

export function inclusionProof(leaves: readonly Hex[], index: number): ProofStep[] {
  return proofFromLevels(merkleLevels(leaves), index);
}

/** Recomputes the root from a leaf and its path: what a third party runs. */
export function rootFromProof(leaf: Hex, steps: readonly ProofStep[]): Hex {
  let h = leaf;
  for (const s of steps) h = s.side === "left" ? parentHash(s.hash, h) : parentHash(h, s.hash);
  return h;
}
