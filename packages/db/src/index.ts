export * from "./client";
export { jsonArray, plainArray, textArray } from "./arrays";
export { binary } from "./binary-arrays";
export { blocksFor, ID_BLOCK, idsFromBlocks, reserveForBatch, reserveIds } from "./ids";
export { CHURNING_TABLES, vacuumChurningTables } from "./maintenance";
export { executeWrites, write } from "./writes";
export { migrate, MIGRATIONS_DIR } from "./migrate";
export * as schema from "./schema";
export * from "./schema";
