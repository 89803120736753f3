import "server-only";
import { createDb, type Database, type DbHandle } from "@proviso/db";
import { webEnv } from "./env";

// One pool per Next process, kept on globalThis so module reloads never open a second one.
const store = globalThis as typeof globalThis & { __provisoDb?: DbHandle };

export function getDb(): Database {
  const runtime = webEnv().runtime;
  store.__provisoDb ??= createDb(runtime.databaseUrl, { max: runtime.DATABASE_POOL_MAX ?? 4, applicationName: "proviso-web" });
  return store.__provisoDb.db;
}
