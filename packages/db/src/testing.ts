// Test databases: each test file gets its own, so files never collide.
// - With DATABASE_URL (a real PostgreSQL): a new database copied from a migrated template.
// - Without it: an in-memory PGlite served on a random port, migrated.
import { startEmbeddedPostgres } from "@proviso/embedded";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDb, type DbHandle } from "./client";
import { migrate } from "./migrate";

export const TEMPLATE_DB = "proviso_test_template";

export type Backend = "embedded" | "postgres";

/** The backends to prove: always the embedded one, and PostgreSQL when DATABASE_URL is set. */
export function availableBackends(): Backend[] {
  return process.env.DATABASE_URL ? ["embedded", "postgres"] : ["embedded"];
}

/** The backend a test file uses when it needs only one: PostgreSQL when configured. */
export function defaultBackend(): Backend {
  return process.env.DATABASE_URL ? "postgres" : "embedded";
}

export interface TestDatabase extends DbHandle {
  url: string;
  backend: Backend;
  drop(): Promise<void>;
}

/** `empty`: no migrations applied (for tests of the migrations themselves). */
export async function createTestDatabase(backend: Backend = defaultBackend(), opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  if (backend === "embedded") {
    const server = await startEmbeddedPostgres({ dataDir: "memory://", port: 0, maxConnections: 16 });
    // One connection: the embedded server breaks under concurrent queries from several.
    const handle = createDb(server.url, { max: 1, applicationName: "proviso-test" });
    if (!opts.empty) await migrate(handle.db);
    return {
      ...handle,
      url: server.url,
      backend,
      async drop() {
        await handle.close();
        await server.stop();
      },
    };
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error("DATABASE_URL is not set: the postgres backend needs a server");
  const name = `proviso_t_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (c) => c.query(opts.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  const url = withDatabase(adminUrl, name);
  const handle = createDb(url, { max: 4, applicationName: "proviso-test" });
  return {
    ...handle,
    url,
    backend,
    async drop() {
      await handle.close();
      await withAdmin(adminUrl, async (c) => {
        // The pool's connections end a moment after it closes; forced off before then, each says
        // "terminating connection due to administrator command" through the pool's error log.
        for (let i = 0; i < 50; i++) {
          const left = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
          if (left.rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

/** Vitest global setup: builds the migrated template once per run (PostgreSQL only). */
export async function prepareTemplateDatabase(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return;
  await withAdmin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  });
  const handle = createDb(withDatabase(adminUrl, TEMPLATE_DB), { max: 1 });
  try {
    await migrate(handle.db);
  } finally {
    await handle.close();
  }
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
