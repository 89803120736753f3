import { describe, expect, it } from "vitest";
import { createTokenCipher, generateTokenKey } from "./token-cipher";

describe("token cipher", () => {
  const cipher = createTokenCipher(generateTokenKey());
  it("round-trips, and never stores the token in the clear", () => {
    const sealed = cipher.encrypt("Atza|secret-token");
    expect(sealed).not.toContain("secret");
    expect(cipher.decrypt(sealed)).toBe("Atza|secret-token");
    expect(cipher.encrypt("x")).not.toBe(cipher.encrypt("x"));
  });
  it("refuses a tampered token or another key", () => {
    const sealed = cipher.encrypt("t");
    // Flip one bit of the ciphertext itself (editing base64 text can land in padding bits).
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 0x01;
    const tampered = `v1:${raw.toString("base64")}`;
    expect(() => cipher.decrypt(tampered)).toThrow();
    expect(() => createTokenCipher(generateTokenKey()).decrypt(sealed)).toThrow();
    expect(() => createTokenCipher("short")).toThrow(/32 bytes/);
  });
});
