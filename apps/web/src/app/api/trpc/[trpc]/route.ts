import { appRouter, createContext } from "@proviso/api";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { currentUser } from "~/server/auth";
import { getDb } from "~/server/db";
import { auditEvidence } from "~/server/env";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => createContext({ db: getDb(), user: await currentUser(), ...auditEvidence() }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"} failed:`, error.message);
    },
  });

export { handler as GET, handler as POST };
