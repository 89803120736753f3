export { createSandbox, type SandboxOptions, type SchemaChecker } from "./server";
export { SANDBOX_SMARTTHINGS_CLIENT } from "./platforms/smartthings";
export { Recorder, deviceIdsOf, type Fault, type ReceivedMessage } from "./recorder";
export { Accounts, type LinkedAccount, type LinkingOptions } from "./accounts";
export { loadOrCreateTsa, makeTsaIdentity, respondTimestamp, type TsaIdentity } from "./tsa";
