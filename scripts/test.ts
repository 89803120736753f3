// `npm test`: every check, in the order that fails fastest — formatting, typecheck, lint, the dependency rule, build, unit and
// integration tests (Vitest), end-to-end tests (Playwright in Chromium). On the embedded database
// and broker; where DATABASE_URL / MQTT_URL point at real servers (as in CI), Vitest and Playwright
// each run twice, on those servers and then on the embedded defaults, so one run proves both.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const results = path.join(root, ".data/test-results");
fs.mkdirSync(results, { recursive: true });

const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.FORCE_COLOR ?? "1" };
const started = Date.now();

/** The passes the tests make: the real servers where they are set, and always the embedded defaults. */
const realServers = Boolean(process.env.DATABASE_URL || process.env.MQTT_URL);
const embeddedEnv: NodeJS.ProcessEnv = { ...env };
delete embeddedEnv.DATABASE_URL;
delete embeddedEnv.MQTT_URL;
delete embeddedEnv.MQTT_ADMIN_USERNAME;
delete embeddedEnv.MQTT_ADMIN_PASSWORD;
const passes = [...(realServers ? [{ name: "real servers", key: "real", env }] : []), { name: "embedded defaults", key: "embedded", env: embeddedEnv }];

function step(name: string, cmd: string, args: string[], stepEnv = env) {
  console.log(`\n━━ ${name} ━━ ${[cmd, ...args].join(" ")}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: stepEnv });
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

interface VitestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}
interface PlaywrightResults {
  stats: { expected: number; unexpected: number; skipped: number; flaky: number };
}
const resultFile = (tool: "vitest" | "e2e", key: string) => path.join(results, `${tool}-${key}.json`);

function summary() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const pass of passes) {
    const unit = readJson<VitestResults>(resultFile("vitest", pass.key));
    const e2e = readJson<PlaywrightResults>(resultFile("e2e", pass.key));
    passed += (unit?.numPassedTests ?? 0) + (e2e ? e2e.stats.expected + e2e.stats.flaky : 0);
    failed += (unit?.numFailedTests ?? 0) + (e2e?.stats.unexpected ?? 0);
    skipped += (unit?.numPendingTests ?? 0) + (e2e?.stats.skipped ?? 0);
    console.log(
      `${pass.name}: vitest ${unit ? `${unit.numPassedTests} passed, ${unit.numFailedTests} failed` : "not run"} · ` +
        `playwright ${e2e ? `${e2e.stats.expected} passed, ${e2e.stats.unexpected} failed` : "not run"}`,
    );
  }
  console.log(`all checks: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
}

for (const f of fs.readdirSync(results)) if (/^(vitest|e2e)(-\w+)?\.json$/.test(f)) fs.rmSync(path.join(results, f));
console.log(
  realServers
    ? `database: ${process.env.DATABASE_URL ? "PostgreSQL from DATABASE_URL" : "embedded PGlite"}; broker: ${process.env.MQTT_URL ? "MQTT_URL" : "embedded"}; ` +
        "then again on the embedded defaults"
    : "database: embedded PGlite; broker: embedded",
);
step("format", "npx", ["prettier", "--check", "--log-level=warn", "."]);
step("typecheck", "npx", ["turbo", "run", "typecheck", "--output-logs=errors-only"]);
step("typecheck (scripts)", "npx", ["tsc", "-p", "scripts", "--noEmit"]);
step("lint", "npx", ["turbo", "run", "lint", "--output-logs=errors-only"]);
step("lint (scripts)", "npx", ["eslint", "scripts", "tooling/vitest", "vitest.config.ts"]);
step("dependency rule", "npm", ["run", "-s", "lint:deps"]);
step("build", "npx", ["turbo", "run", "build", "--output-logs=errors-only"]);
for (const pass of passes) {
  step(
    `unit and integration tests (${pass.name})`,
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${resultFile("vitest", pass.key)}`],
    pass.env,
  );
}
for (const pass of passes) {
  step(`end-to-end tests (${pass.name})`, "npx", ["tsx", "scripts/e2e.ts"], { ...pass.env, E2E_RESULTS_FILE: resultFile("e2e", pass.key) });
}
summary();
