export { createSandbox } from "./server";
export { Recorder, deviceIdsOf, type Fault, type ReceivedMessage } from "./recorder";
