// `npm test`: every check, in the order that fails fastest — typecheck, lint, build, unit and
// integration tests (Vitest), end-to-end tests (Playwright in Chromium). Uses the embedded
// database and broker unless DATABASE_URL / MQTT_URL point at real servers.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const results = path.join(root, ".data/test-results");
fs.mkdirSync(results, { recursive: true });

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.FORCE_COLOR ?? "1" };
const started = Date.now();

function step(name: string, cmd: string, args: string[], cwd = root) {
  console.log(`\n━━ ${name} ━━ ${[cmd, ...args].join(" ")}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    summary();
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${name} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

function summary() {
  const unit = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number }>(
    path.join(results, "vitest.json"),
  );
  const e2e = readJson<{ stats: { expected: number; unexpected: number; skipped: number; flaky: number } }>(
    path.join(results, "e2e.json"),
  );
  const passed = (unit?.numPassedTests ?? 0) + (e2e ? e2e.stats.expected + e2e.stats.flaky : 0);
  const failed = (unit?.numFailedTests ?? 0) + (e2e?.stats.unexpected ?? 0);
  const skipped = (unit?.numPendingTests ?? 0) + (e2e?.stats.skipped ?? 0);
  console.log(
    `\nvitest: ${unit ? `${unit.numPassedTests} passed, ${unit.numFailedTests} failed` : "not run"} · ` +
      `playwright: ${e2e ? `${e2e.stats.expected} passed, ${e2e.stats.unexpected} failed` : "not run"} · ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
}

for (const f of ["vitest.json", "e2e.json"]) fs.rmSync(path.join(results, f), { force: true });
console.log(
  `database: ${process.env.DATABASE_URL ? "PostgreSQL from DATABASE_URL (and the embedded one)" : "embedded PGlite"}; ` +
    `broker: ${process.env.MQTT_URL ? "MQTT_URL" : "embedded"}`,
);
step("typecheck", "npx", ["turbo", "run", "typecheck", "--output-logs=errors-only"]);
step("typecheck (scripts)", "npx", ["tsc", "-p", "scripts", "--noEmit"]);
step("lint", "npx", ["turbo", "run", "lint", "--output-logs=errors-only"]);
step("lint (scripts)", "npx", ["eslint", "scripts", "tooling/vitest", "vitest.config.ts"]);
step("build", "npx", ["turbo", "run", "build", "--output-logs=errors-only"]);
step("unit and integration tests", "npx", [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${path.join(results, "vitest.json")}`,
]);
step("end-to-end tests", "npx", ["tsx", "scripts/e2e.ts"]);
summary();
