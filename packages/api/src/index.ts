export { appRouter, createCaller, type AppRouter } from "./root";
export { createContext, type Context } from "./trpc";
export { ACCESS, rolesAllowed, type Access, type ProcedurePath } from "./access";
