import "server-only";
import { createDb, type Database, type DbHandle } from "@proviso/db";
import { webEnv } from "./env";

// One pool per Next process, kept on globalThis so module reloads never open a second one.
const store = globalThis as typeof globalThis & { __provisoDb?: DbHandle };

export function getDb(): Database {
  store.__provisoDb ??= createDb(webEnv().runtime.databaseUrl, { max: 4, applicationName: "proviso-web" });
  return store.__provisoDb.db;
}
