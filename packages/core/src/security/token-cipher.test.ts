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
    const tampered = sealed.slice(0, -2) + (sealed.endsWith("A") ? "B" : "A") + "=";
    expect(() => cipher.decrypt(tampered)).toThrow();
    expect(() => createTokenCipher(generateTokenKey()).decrypt(sealed)).toThrow();
    expect(() => createTokenCipher("short")).toThrow(/32 bytes/);
  });
});
