// The embedded database: one PGlite instance served over the Postgres wire protocol. Every process
// (launcher, worker, web, tests) connects with the `pg` driver, exactly as to PostgreSQL. PGlite has
// no lock of its own and corrupts a data directory opened twice, so this module takes one.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { coalesceMessages, requirePassword, serialiseExtendedProtocol } from "./protocol-queue";
import fs from "node:fs";
import path from "node:path";

export interface EmbeddedPostgresOptions {
  /** A directory, or `memory://` for a throwaway database. */
  dataDir: string;
  port: number;
  host?: string;
  /** Connections multiplexed onto PGlite (it still runs one transaction at a time). */
  maxConnections?: number;
  /** Required of every connection (the launcher generates one); none: trust, as in the tests' throwaway servers. */
  password?: string | null;
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class EmbeddedStartError extends Error {
  override name = "EmbeddedStartError";
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const inMemory = opts.dataDir.startsWith("memory://");
  const releaseLock = inMemory ? () => {} : takeLock(opts.dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(inMemory ? undefined : opts.dataDir);
    await db.query("select 1");
  } catch (err) {
    releaseLock();
    throw new EmbeddedStartError(
      `the database in ${opts.dataDir} could not be opened (${oneLine(err)}); it may be corrupt: ` +
        `move it aside (or delete it to start fresh) and run again`,
    );
  }
  const server = new PGLiteSocketServer({
    db,
    port: opts.port,
    host: opts.host ?? "127.0.0.1",
    maxConnections: opts.maxConnections ?? 32,
  });
  serialiseExtendedProtocol(server);
  coalesceMessages();
  if (opts.password) requirePassword(server, opts.password);
  try {
    await server.start();
  } catch (err) {
    await db.close().catch(() => {});
    releaseLock();
    throw new EmbeddedStartError(`the embedded database could not listen on port ${opts.port}: ${oneLine(err)}`);
  }
  const port = resolvePort(server, opts.port);
  let stopped = false;
  return {
    url: `postgres://postgres:${encodeURIComponent(opts.password ?? "postgres")}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => {});
      // Closing PGlite flushes and checkpoints: the next start opens cleanly.
      await db.close().catch(() => {});
      releaseLock();
    },
  };
}

function resolvePort(server: PGLiteSocketServer, requested: number): number {
  if (requested !== 0) return requested;
  const addr = (server as unknown as { server?: { address(): { port: number } | null } }).server?.address();
  if (!addr) throw new EmbeddedStartError("the embedded database did not report its port");
  return addr.port;
}

/** A pid file beside the data directory; a stale one (its process gone) is taken over. */
function takeLock(dataDir: string): () => void {
  fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const lockPath = `${path.resolve(dataDir)}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return () => {
        try {
          if (fs.readFileSync(lockPath, "utf8") === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(lockPath, "utf8"));
      if (holder && isAlive(holder)) {
        throw new EmbeddedStartError(
          `the database in ${dataDir} is already open in process ${holder}; stop that process first ` + `(PGlite must never be opened by two processes)`,
        );
      }
      fs.unlinkSync(lockPath);
    }
  }
  throw new EmbeddedStartError(`could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.slice(0, 300);
}
