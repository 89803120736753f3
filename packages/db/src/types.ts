// The database's types, on their own so that modules below the client (prepared statements, id
// reservation) can name them without importing it.
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type * as schema from "./schema";

export type Database = NodePgDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Either the database or a transaction on it: domain functions accept both. */
export type Executor = Database | Transaction;
