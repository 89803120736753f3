import "server-only";
import { APP_ROLE, createDb, type Database, type DbHandle } from "@proviso/db";
import { webEnv } from "./env";

// One pool per Next process, kept on globalThis so module reloads never open a second one.
const store = globalThis as typeof globalThis & { __provisoDb?: DbHandle };

export function getDb(): Database {
  const runtime = webEnv().runtime;
  // On PostgreSQL as the app role: history (consents, the audit log, decisions) can be added to, never changed.
  store.__provisoDb ??= createDb(runtime.databaseUrl, {
    max: runtime.DATABASE_POOL_MAX ?? 4,
    applicationName: "proviso-web",
    role: runtime.embeddedDatabase ? null : APP_ROLE,
  });
  return store.__provisoDb.db;
}
