// Lints the root scripts and shared test setup; each workspace has its own eslint.config.js.
export { default } from "@proviso/eslint-config";
