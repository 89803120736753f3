import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTokenCipher, generateTokenKey } from "./token-cipher";

describe("token cipher", () => {
  const key = generateTokenKey();
  const cipher = createTokenCipher(key);
  it("round-trips for its link, and never stores the token in the clear", () => {
    const sealed = cipher.encrypt("Atza|secret-token", "link-1");
    expect(sealed).toMatch(/^v2:/);
    expect(sealed).not.toContain("secret");
    expect(cipher.decrypt(sealed, "link-1")).toBe("Atza|secret-token");
    expect(cipher.encrypt("x", "link-1")).not.toBe(cipher.encrypt("x", "link-1"));
  });

  it("does not open for another link: a ciphertext cannot be moved", () => {
    expect(() => cipher.decrypt(cipher.encrypt("t", "link-1"), "link-2")).toThrow();
  });

  it("refuses a tampered token, a shortened tag, an unbound (v1) token, or another key", () => {
    const sealed = cipher.encrypt("t", "link-1");
    const raw = Buffer.from(sealed.slice(3), "base64");
    // Flip one bit of the ciphertext itself (editing base64 text can land in padding bits).
    const flipped = Buffer.from(raw);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01;
    expect(() => cipher.decrypt(`v2:${flipped.toString("base64")}`, "link-1")).toThrow();
    // A 4-byte tag (GCM would accept one if told to): iv, the tag's first 4 bytes, the body.
    const shortTag = Buffer.concat([raw.subarray(0, 12), raw.subarray(12, 16), raw.subarray(28)]);
    expect(() => cipher.decrypt(`v2:${shortTag.toString("base64")}`, "link-1")).toThrow();
    // Sealed the old way, without the link as associated data.
    const iv = randomBytes(12);
    const old = createCipheriv("aes-256-gcm", Buffer.from(key, "base64"), iv);
    const body = Buffer.concat([old.update("t", "utf8"), old.final()]);
    expect(() => cipher.decrypt(`v1:${Buffer.concat([iv, old.getAuthTag(), body]).toString("base64")}`, "link-1")).toThrow(/v2/);
    expect(() => createTokenCipher(generateTokenKey()).decrypt(sealed, "link-1")).toThrow();
    expect(() => createTokenCipher("short")).toThrow(/32 bytes/);
  });
});
