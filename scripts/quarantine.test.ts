// `npm run quarantine` as an operator meets it: against a real database holding what the worker
// rejected, newest first with its reason, narrowed by reason, device and time, as text or JSON;
// a bad argument gets one clear line and exit code 2.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { countQuarantine, ingestReports, listQuarantine, parseStateReport, ShadowCache, type IncomingReport } from "@proviso/worker";
import { createAdapters } from "@proviso/partners";
import { loadWorld } from "@proviso/snapshot";
import { seed, stableId } from "@proviso/seed";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NOW = new Date("2026-11-24T12:00:00Z");
let t: TestDatabase;

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(root, "scripts/quarantine.ts"), ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: t.url } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const item = (raw: string, topic?: string): IncomingReport => {
  const parsed = parseStateReport(raw, NOW.getTime(), topic?.split("/")[3]);
  return parsed.ok ? { source: "mqtt", topic, raw, report: parsed.report } : { source: "mqtt", topic, raw, rejection: parsed.rejection };
};

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 2 });
  const world = await loadWorld(t.db);
  const thermostat = stableId("device:0:0");
  const good = JSON.stringify({ v: 1, deviceId: thermostat, seq: 1, observedAt: NOW.toISOString(), cause: "physical", properties: { temperature: 21 } });
  const adapters = createAdapters({}, "http://127.0.0.1:9");
  const ingest = (reports: IncomingReport[]) => ingestReports(t.db, { world, adapters, reports, now: NOW, shadows: new ShadowCache() });
  await ingest([item("{not json", `proviso/v1/devices/${thermostat}/state`), item(good)]);
  await ingest([
    item(
      JSON.stringify({
        v: 1,
        deviceId: "00000000-0000-4000-8000-0000000000aa",
        seq: 1,
        observedAt: NOW.toISOString(),
        cause: "physical",
        properties: { temperature: 21 },
      }),
    ),
    item(JSON.stringify({ v: 1, deviceId: thermostat, seq: 2, observedAt: NOW.toISOString(), cause: "physical", properties: { temperature: 900 } })),
    item(`{"v":1,"pad":"${"x".repeat(300)}"`),
  ]);
});
afterAll(async () => {
  await t?.drop();
});

describe("the quarantine, as an operator reads it", () => {
  it("lists rejects newest first with their reasons, and counts them per reason", async () => {
    const all = await listQuarantine(t.db);
    expect(all.map((r) => r.reasonCode)).toEqual(["BAD_JSON", "OUT_OF_RANGE", "UNKNOWN_DEVICE", "BAD_JSON"]);
    expect(all.every((r, i) => i === 0 || r.id < all[i - 1]!.id)).toBe(true);
    expect(await countQuarantine(t.db)).toEqual([
      { reasonCode: "BAD_JSON", count: 2 },
      { reasonCode: "OUT_OF_RANGE", count: 1 },
      { reasonCode: "UNKNOWN_DEVICE", count: 1 },
    ]);
    expect((await listQuarantine(t.db, { device: stableId("device:0:0") })).map((r) => r.reasonCode)).toEqual(["OUT_OF_RANGE", "BAD_JSON"]);
    expect(await listQuarantine(t.db, { since: new Date(Date.now() + 60_000) })).toEqual([]);
    await expect(listQuarantine(t.db, {}, 0)).rejects.toThrow(/limit/);
  });

  it("prints them from the command line: a summary, each report's reason and (cut) raw text, or JSON lines", async () => {
    const text = await run();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^4 quarantined reports: BAD_JSON 2, OUT_OF_RANGE 1, UNKNOWN_DEVICE 1/);
    expect(text.stdout).toMatch(/OUT_OF_RANGE[^\n]*\n {2}reason: [^\n]*temperature/);
    expect(text.stdout).toMatch(/no device 00000000-0000-4000-8000-0000000000aa is registered/);
    expect(text.stdout).toMatch(/… \(3\d\d characters; --full for all\)/);
    expect(text.stderr).toMatch(/^quarantine: /); // where it connected, kept off stdout

    const json = await run("--reason", "bad_json", "--limit", "1", "--json");
    expect(json.code).toBe(0);
    const lines = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reasonCode: "BAD_JSON", source: "mqtt" });
    expect(lines[0].raw).toHaveLength(`{"v":1,"pad":"${"x".repeat(300)}"`.length);

    const recent = await run("--since", "1h", "--device", stableId("device:0:0"));
    expect(recent.stdout).toMatch(/^2 quarantined reports \(device [^)]*, since [^)]*\): BAD_JSON 1, OUT_OF_RANGE 1/);
  });

  it("refuses a bad argument with one clear line and exit code 2", async () => {
    for (const [args, said] of [
      [["--reason", "NOPE"], /--reason must be one of TOO_LARGE, BAD_JSON/],
      [["--limit", "0"], /--limit must be a whole number/],
      [["--since", "yesterday-ish"], /--since takes a duration/],
      [["--colour"], /Unknown option '--colour'.*usage: npm run quarantine/],
    ] as const) {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(said);
    }
  });
});
