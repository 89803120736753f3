import { describe, expect, it } from "vitest";
import { safePath } from "./safe-path";

describe("the path to go to after signing in", () => {
  it("keeps paths on this site, query included", () => {
    expect(safePath("/legal/audit")).toBe("/legal/audit");
    expect(safePath("/link/authorize?client_id=g&state=a%20b")).toBe("/link/authorize?client_id=g&state=a%20b");
  });

  it("never leads to another site, however the address is spelled", () => {
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "/\\/evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "https://evil.example",
      "evil",
      "",
      null,
      42,
    ]) {
      expect(safePath(bad)).toBe("/");
    }
  });
});
