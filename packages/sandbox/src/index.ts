export { createSandbox, type SandboxOptions, type SchemaChecker } from "./server";
export { Recorder, deviceIdsOf, type Fault, type ReceivedMessage } from "./recorder";
