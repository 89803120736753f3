// `npm start` as a user meets it: it comes up on embedded defaults, Ctrl-C leaves no process
// behind, the data directory opens cleanly next time, and bad situations get one clear line.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "proviso-start-"));
const PORTS = { WEB_PORT: 3210, WORKER_PORT: 3211, SANDBOX_PORT: 3212, PGLITE_PORT: 5543, MQTT_PORT: 1993 };

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
// A test that failed half-way leaves no product running into the next one's ports.
const launched: Run[] = [];
afterEach(async () => {
  for (const run of launched.splice(0)) {
    if (run.proc.exitCode !== null || run.proc.signalCode !== null) continue;
    try {
      process.kill(-run.proc.pid!, "SIGTERM");
    } catch {
      continue;
    }
    await Promise.race([run.exit, new Promise((r) => setTimeout(r, 30_000))]);
  }
});

interface Run {
  proc: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function launch(dir = dataDir, extraEnv: Record<string, string> = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])) };
  // The embedded defaults, whatever the surrounding test run is configured with.
  delete env.DATABASE_URL;
  delete env.MQTT_URL;
  delete env.AUTH_SECRET;
  Object.assign(env, { PROVISO_DATA_DIR: dir, SIMULATOR_HEARTBEAT_SECONDS: "2", ...extraEnv });
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/start.ts")], {
    cwd: root,
    env,
    detached: true, // its own process group, as a terminal would have it
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const run = { proc, output: () => out, exit };
  launched.push(run);
  return run;
}

async function waitFor(run: Run, text: string, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}". Output:\n${run.output()}`);
    if (run.proc.exitCode !== null) throw new Error(`exited early (${run.proc.exitCode}). Output:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of rows) {
      if (parent === p) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** A process still running (a zombie waiting to be reaped has already stopped). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function describeProcess(pid: number): string {
  try {
    return `${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").slice(0, 160)}`;
  } catch {
    return `${pid}: (gone)`;
  }
}

async function survivors(pids: number[], graceMs = 5_000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive).map(describeProcess);
}

describe("npm start", () => {
  it("starts everything, prints the logins, and Ctrl-C leaves nothing behind", async () => {
    const run = launch();
    await waitFor(run, "Proviso is running");
    const out = run.output();
    for (const text of ["[db]", "[mqtt]", "[worker]", "[web]", "[sandbox]", "seeded demo data: 50 homes"]) {
      expect(out).toContain(text);
    }
    // The services know the database is the embedded one (the worker vacuums it: it runs no autovacuum).
    expect(out).toContain("[worker] database: embedded PGlite");
    for (const login of ["homeowner@proviso.test", "manager@proviso.test", "legal@proviso.test", "alexa@partners.proviso.test"]) {
      expect(out).toContain(login);
    }
    expect((await fetch(`http://localhost:${PORTS.WEB_PORT}/sign-in`)).status).toBe(200);
    expect((await fetch(`http://localhost:${PORTS.WORKER_PORT}/healthz`)).status).toBe(200);
    await waitFor(run, "[simulator] simulating");

    const pids = descendants(run.proc.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(6);
    process.kill(-run.proc.pid!, "SIGINT"); // what Ctrl-C in a terminal sends
    expect(await run.exit).toBe(0);
    expect(await survivors(pids)).toEqual([]);
    expect(run.output()).toContain("database closed cleanly");
  }, 240_000);

  it("opens the same data directory cleanly on the next start, without seeding again (the simulator on HTTP this time)", async () => {
    const run = launch(dataDir, { SIMULATOR_TRANSPORT: "http", SIMULATOR_RATE: "20" });
    await waitFor(run, "Proviso is running");
    expect(run.output()).toContain("demo data already present (50 homes");
    const ping = await fetch(`http://localhost:${PORTS.WEB_PORT}/api/trpc/health.ping`);
    expect(ping.status).toBe(200);
    // The simulator's reports and heartbeats reach the worker over HTTP alone.
    await waitFor(run, `devices in 50 homes over HTTP to http://localhost:${PORTS.WORKER_PORT}`);
    const counted = async () => {
      const text = await (await fetch(`http://localhost:${PORTS.WORKER_PORT}/metrics`)).text();
      const value = (line: string) => Number(text.match(new RegExp(`^${line.replace(/[{}]/g, "\\$&")} (\\d+)`, "m"))?.[1] ?? 0);
      return { reports: value('proviso_reports_total{result="accepted"}'), heartbeats: value('proviso_heartbeats_total{result="accepted"}') };
    };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && Object.values(await counted()).some((n) => n < 100)) await new Promise((r) => setTimeout(r, 500));
    expect((await counted()).reports).toBeGreaterThanOrEqual(100);
    expect((await counted()).heartbeats).toBeGreaterThanOrEqual(100);
    process.kill(-run.proc.pid!, "SIGTERM");
    expect(await run.exit).toBe(0);
  }, 240_000);

  it("says in one line when a port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(PORTS.WORKER_PORT, "127.0.0.1", r));
    try {
      const run = launch();
      expect(await run.exit).toBe(2);
      expect(run.output().trim()).toBe(
        `proviso: port ${PORTS.WORKER_PORT} (worker) is already in use: stop whatever uses it, or set WORKER_PORT to another port`,
      );
    } finally {
      blocker.close();
    }
  }, 60_000);

  it("says in one line when the data directory is corrupt, and leaves it for inspection", async () => {
    const corrupt = fs.mkdtempSync(path.join(os.tmpdir(), "proviso-corrupt-"));
    try {
      fs.cpSync(path.join(dataDir, "pglite"), path.join(corrupt, "pglite"), { recursive: true });
      fs.writeFileSync(path.join(corrupt, "pglite/global/pg_control"), Buffer.alloc(8192, 0x5a));
      const run = launch(corrupt);
      expect(await run.exit).toBe(2);
      const lines = run.output().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/\[db\] the database in .*pglite could not be opened .* it may be corrupt/);
      expect(fs.existsSync(path.join(corrupt, "pglite/global/pg_control"))).toBe(true);
    } finally {
      fs.rmSync(corrupt, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses a bad setting with the variable's name", async () => {
    const run = launch(dataDir, { WEB_PORT: "eighty" });
    expect(await run.exit).toBe(2);
    expect(run.output().trim()).toMatch(/^proviso: invalid configuration: WEB_PORT: /);
  }, 30_000);
});
