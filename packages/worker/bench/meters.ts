// What the pipeline bench measures besides the rate: the CPU each side spends (the worker's process
// and its event loop alone, from /proc; the database server's), the collector's pauses, and V8
// profiles on request.
import type { TestDatabase } from "@proviso/db/testing";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";

/**
 * With BENCH_CPU_PROFILE=dir, the throughput run's worker side (only it: not seeding, not the
 * floor) as a V8 CPU profile, `dir/<backend>.cpuprofile`; with BENCH_HEAP_PROFILE=dir, what it
 * allocated (sampled, garbage included), `dir/<backend>.heapprofile`. Both open in Chrome's
 * DevTools or speedscope.
 */
export async function startProfile(): Promise<{ stop(name: string): Promise<void> } | null> {
  const cpuDir = process.env.BENCH_CPU_PROFILE;
  const heapDir = process.env.BENCH_HEAP_PROFILE;
  if (!cpuDir && !heapDir) return null;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  if (cpuDir) {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  if (heapDir) {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const save = (dir: string, file: string, data: unknown) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), JSON.stringify(data));
    console.log(`  (profile of the throughput run: ${path.join(dir, file)})`);
  };
  return {
    async stop(name) {
      if (cpuDir) save(cpuDir, `${name}.cpuprofile`, (await session.post("Profiler.stop")).profile);
      if (heapDir) save(heapDir, `${name}.heapprofile`, (await session.post("HeapProfiler.stopSampling")).profile);
      session.disconnect();
    },
  };
}

/** The garbage collector's pauses of the event loop from now on: how many and how long, minor (scavenges) and major. */
export function gcMeter(): () => { minor: number; minorMs: number; major: number; majorMs: number } {
  const totals = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        totals.minor++;
        totals.minorMs += e.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        totals.major++;
        totals.majorMs += e.duration;
      }
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => {
    observer.disconnect();
    return totals;
  };
}

/** CPU used from now on, in ms, by this process and by the database (null where not measured). */
export function cpuMeter(t: TestDatabase): () => { workerMs: number; loopMs: number | null; databaseMs: number | null } {
  const cpu0 = process.cpuUsage();
  const loop0 = mainThreadCpuMs();
  const db0 = databaseCpuMs(t);
  return () => {
    const cpu = process.cpuUsage(cpu0);
    const loop1 = mainThreadCpuMs();
    const db1 = databaseCpuMs(t);
    return {
      workerMs: (cpu.user + cpu.system) / 1000,
      loopMs: loop0 !== null && loop1 !== null ? loop1 - loop0 : null,
      databaseMs: db0 !== null && db1 !== null ? db1 - db0 : null,
    };
  };
}

/**
 * CPU this process's main thread has used (ms): its event loop, where every report is parsed,
 * decided and turned into rows, one at a time (the garbage collector's helpers and the thread
 * pool are the rest of the process's CPU). Null where /proc is not there.
 */
export function mainThreadCpuMs(): number | null {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU the database has used (ms): the embedded server's process, or every `postgres` process on
 * this machine (the server under test; null when it runs elsewhere or /proc is not there).
 */
export function databaseCpuMs(t: TestDatabase & { pid?: number }): number | null {
  const ticks = (pid: string) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), ticks: Number(f[11]) + Number(f[12]) };
  };
  try {
    if (t.pid) return (ticks(String(t.pid)).ticks * 1000) / CLOCK_TICKS;
    let sum = 0,
      seen = false;
    for (const pid of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const p = ticks(pid);
        if (p.comm === "postgres") {
          sum += p.ticks;
          seen = true;
        }
      } catch {
        // gone meanwhile
      }
    }
    return seen ? (sum * 1000) / CLOCK_TICKS : null;
  } catch {
    return null;
  }
}
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();
