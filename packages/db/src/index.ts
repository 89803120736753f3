export * from "./client";
export { migrate, MIGRATIONS_DIR } from "./migrate";
export * as schema from "./schema";
export * from "./schema";
