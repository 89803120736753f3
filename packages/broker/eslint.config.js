export { default } from "@proviso/eslint-config";
