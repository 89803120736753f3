import { describe, expect, it } from "vitest";
import { resolveLocale } from "./locale";

describe("the portal's language", () => {
  it("is the user's choice when made, else the browser's first language the portal speaks", () => {
    expect(resolveLocale("fr-CA", "en-US,en;q=0.9")).toBe("fr-CA");
    expect(resolveLocale("en", "fr-CA")).toBe("en");
    expect(resolveLocale(undefined, "fr-CA,fr;q=0.9,en;q=0.8")).toBe("fr-CA");
    expect(resolveLocale(undefined, "fr-FR")).toBe("fr-CA");
    expect(resolveLocale(undefined, "de-DE,en;q=0.5,fr;q=0.4")).toBe("en");
    expect(resolveLocale(undefined, "de-DE;q=0.9,fr;q=0.8")).toBe("fr-CA");
    expect(resolveLocale("xx", null)).toBe("en");
    expect(resolveLocale(undefined, "")).toBe("en");
  });
});
