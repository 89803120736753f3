// The databases the benchmarks run on: PostgreSQL (a database of their own, copied from the
// migrated template, where DATABASE_URL is set) and the embedded one as the product runs it.
import { createDb, migrate } from "@proviso/db";
import { createTestDatabase, type Backend, type TestDatabase } from "@proviso/db/testing";
import { fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The embedded database as the product runs it: PGlite in its own process, served over the wire
 * protocol (in this process it would share one core with the pipeline it is measured against).
 */
async function embeddedInChildProcess(): Promise<TestDatabase & { pid?: number }> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../embedded/src/bin/pglite-server.ts");
  const child = fork(bin, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, PGLITE_DATA_DIR: "memory://", PGLITE_PORT: String(port) },
    stdio: "inherit",
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.on("message", (m: { type?: string; url?: string }) => m.type === "ready" && resolve(m.url!));
    child.on("exit", () => reject(new Error("the embedded database did not start")));
  });
  const handle = createDb(url, { max: 1, applicationName: "proviso-bench" });
  await migrate(handle.db);
  return {
    ...handle,
    url,
    pid: child.pid,
    backend: "embedded",
    async drop() {
      await handle.close();
      child.kill("SIGTERM");
    },
  };
}

/** A migrated, empty database on `backend` (`pid`: the embedded server's process). */
export function benchDatabase(backend: Backend): Promise<TestDatabase & { pid?: number }> {
  return backend === "embedded" ? embeddedInChildProcess() : createTestDatabase(backend);
}

/** BENCH_BACKENDS=postgres (or embedded) runs one; by default both where DATABASE_URL is set. */
export function benchBackends(): Backend[] {
  if (process.env.BENCH_BACKENDS) return process.env.BENCH_BACKENDS.split(",") as Backend[];
  return process.env.DATABASE_URL ? ["embedded", "postgres"] : ["embedded"];
}
