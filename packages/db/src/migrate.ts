import { sql } from "drizzle-orm";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./types";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../drizzle");

/** The role the product's processes run as on PostgreSQL (migration 0030). */
export const APP_ROLE = "proviso_app";

/** Tables that are history: rows are added, never changed, deleted or truncated (triggers refuse it too). */
export const APPEND_ONLY_TABLES = [
  "consents",
  "audit_log",
  "decision_rows",
  "decision_kinds",
  "decision_batch_chunks",
  "decision_sets",
  "audit_checkpoints",
  "audit_checkpoint_timestamps",
] as const;

/** Applies the committed drizzle-kit migrations that have not run yet, then the app role's grants. */
export async function migrate(db: Database): Promise<void> {
  await drizzleMigrate(db, { migrationsFolder: MIGRATIONS_DIR });
  await grantAppRole(db);
}

/**
 * The app role may read and write every table (new ones included), but the append-only ones only
 * read and add to: no UPDATE, DELETE or TRUNCATE, refused by PostgreSQL itself before any trigger.
 */
export async function grantAppRole(db: Database): Promise<void> {
  const tables = APPEND_ONLY_TABLES.map((t) => `"${t}"`).join(", ");
  await db.execute(sql.raw(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`));
  await db.execute(sql.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`));
  await db.execute(sql.raw(`REVOKE UPDATE, DELETE, TRUNCATE ON ${tables} FROM ${APP_ROLE}`));
  await db.execute(sql.raw(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`));
}
