import { agreementsRouter } from "./routers/agreements";
import { healthRouter } from "./routers/health";
import { homeRouter } from "./routers/home";
import { legalRouter } from "./routers/legal";
import { linkingRouter } from "./routers/linking";
import { partnerPortalRouter } from "./routers/partner-portal";
import { partnersRouter } from "./routers/partners";
import { sessionRouter } from "./routers/session";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  session: sessionRouter,
  home: homeRouter,
  linking: linkingRouter,
  partners: partnersRouter,
  legal: legalRouter,
  partnerPortal: partnerPortalRouter,
  agreements: agreementsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
