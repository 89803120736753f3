export * from "./roles";
export * from "./taxonomy";
export * from "./terms";
export * from "./ledger";
export * from "./state-report";
export * from "./vocabularies";
export * from "./links";
