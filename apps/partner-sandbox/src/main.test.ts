// The sandbox plays partners; it must never be where real partners are expected, and its own API
// needs a token.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), "main.ts");
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", main], { env: { ...process.env, SANDBOX_PORT: "0", ...env }, encoding: "utf8", timeout: 20_000 });

describe("the partner sandbox app", () => {
  it("refuses to start with NODE_ENV=production", () => {
    const r = run({ NODE_ENV: "production", SANDBOX_TOKEN: "t" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("does not run with NODE_ENV=production");
  });

  it("refuses to start without a token for its own API", () => {
    const r = run({ NODE_ENV: "development", SANDBOX_TOKEN: "" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("SANDBOX_TOKEN is not set");
  });
});
