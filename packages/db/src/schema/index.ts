export * from "./enums";
export * from "./catalogue";
export * from "./homes";
export * from "./agreements";
export * from "./ledger";
export * from "./audit";
export * from "./credentials";
export * from "./linking";
