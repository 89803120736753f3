// Digests of what a partner was told, and of what a link's description reads: a 53-bit
// non-cryptographic hash (cyrb53), fed piece by piece.
/**
 * A 53-bit hash (cyrb53) as base-36 text, fed piece by piece (no text is built to hash). What it
 * guards against is telling a partner something twice or not at all by a collision between two
 * descriptions of one device or link: at 2^-53 a pair, far below anything else that goes wrong;
 * SHA-256 per device cost ≈ 9 µs, most of a fleet-wide check.
 */
let h1 = 0;
let h2 = 0;
export function hashStart() {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
}
export function hashAdd(text: string) {
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  // A separator, so that ("ab", "c") and ("a", "bc") differ.
  h1 = Math.imul(h1 ^ 1, 2654435761);
  h2 = Math.imul(h2 ^ 1, 1597334677);
}
export function hashEnd(): string {
  let a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  a = a >>> 0;
  return (4294967296 * (2097151 & b) + a).toString(36);
}
export function fastHash(...parts: string[]): string {
  hashStart();
  for (const p of parts) hashAdd(p);
  return hashEnd();
}

/** One digest for a link's whole announcement (what a check compares with the record). */
export const announcementDigest = (a: Record<string, string>) =>
  fastHash(
    Object.keys(a)
      .sort()
      .map((k) => `${k}=${a[k]}`)
      .join(";"),
  );
