import "server-only";
import { createCaller, createContext } from "@proviso/api";
import { currentUser } from "./auth";
import { getDb } from "./db";
import { auditEvidence } from "./env";

/** tRPC on the server: server components call procedures directly, with the same checks. */
export async function serverCaller() {
  return createCaller(createContext({ db: getDb(), user: await currentUser(), ...auditEvidence() }));
}
