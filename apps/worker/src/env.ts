import { loadRuntimeConfig } from "@proviso/config";

/** The worker's configuration, read and validated once at start-up. */
export const env = loadRuntimeConfig(process.env);
