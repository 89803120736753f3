// One way to reach the database, embedded or PostgreSQL: the `pg` driver and Drizzle.
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { SessionAwareClient } from "./prepared";
import * as schema from "./schema";
import type { Database, Executor, Transaction } from "./types";

export type { Database, Executor, Transaction } from "./types";

export interface DbHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDb(url: string, opts: { max?: number; applicationName?: string; role?: string | null } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    // Every session as this role (the product's processes on PostgreSQL: APP_ROLE, which may not
    // change or remove history); the login user must be a member of it.
    ...(opts.role ? { options: `-c role=${opts.role}` } : {}),
    max: opts.max ?? 5,
    application_name: opts.applicationName ?? "proviso",
    // Fail fast with a clear error rather than hang when the server is not there.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // Named prepared statements (`executePrepared`) work on the embedded server's shared session too.
    Client: SessionAwareClient,
  });
  // An idle client losing its server (a restart) must not crash the process; the pool reconnects.
  pool.on("error", (err) => console.error(`database connection lost: ${err.message}`));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** Waits until the server accepts connections (the embedded one takes a moment to open). */
export async function waitForDatabase(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`database not reachable at ${redact(url)}: ${(lastError as Error)?.message ?? "timeout"}`);
}

function redact(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@/]+@/, "://$1:***@");
}

/**
 * Runs `reads` side by side on the database (each on a connection of the pool), one after another
 * in a transaction: a transaction is one connection, where `pg` only queues what is sent at once
 * (and pg@9 will refuse it). Resolves with their results, in order.
 */
export async function readAll<T extends readonly unknown[]>(db: Executor, reads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (!isTransaction(db)) return (await Promise.all(reads.map((read) => read()))) as unknown as T;
  const out: unknown[] = [];
  for (const read of reads) out.push(await read());
  return out as unknown as T;
}

/** Whether `db` is a transaction (Drizzle's transactions can roll back; the database cannot). */
const isTransaction = (db: Executor): db is Transaction => typeof (db as { rollback?: unknown }).rollback === "function";

/** The SQLSTATE of a database error, however deep the query builder wrapped it; null for none. */
export function sqlStateOf(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

/** SQLSTATE 40P01: the database ended this transaction to break a deadlock; done again, it may pass. */
export const DEADLOCK_DETECTED = "40P01";
