export { BrokerAdmin, BrokerAdminError, CONTROL_TOPIC, deviceRole, isDeviceClient, WORKER_ROLE, type ControlResponse } from "./admin";
