// SmartThings' own `st-schema` package (plain CommonJS, no types of its own), loaded once and typed
// for the parts the adapter uses: its interaction classes and its error enums.
import { createRequire } from "node:module";

export interface Headers {
  schema: "st-schema";
  version: string;
  interactionType: string;
  requestId: string;
}

export interface STBase {
  headers: Headers;
  globalError?: { detail: string; errorEnum: string };
  setError(detail: string, errorEnum?: string): this;
  isError(): boolean;
}

export interface DiscoveryDevice {
  externalDeviceId: string;
  friendlyName: string;
  deviceHandlerType: string;
  manufacturerName(name: string): this;
  modelName(name: string): this;
  roomName(name: string): this;
}

export interface DiscoveryResponse extends STBase {
  devices?: DiscoveryDevice[];
  addDevice(id: string, friendlyName: string, deviceHandlerType: string): DiscoveryDevice;
}

export interface StateEntry {
  component: string;
  capability: string;
  attribute: string;
  value: unknown;
  unit?: string;
}

export interface StateDevice {
  externalDeviceId: string;
  states?: StateEntry[];
  deviceError?: { errorEnum: string; detail: string }[];
  setError(detail: string, errorEnum?: string): this;
}

export interface StateResponse extends STBase {
  deviceState?: StateDevice[];
  addDevice(externalDeviceId: string, states?: StateEntry[]): StateDevice;
}

type ErrorEnum<K extends string> = Readonly<Record<K, string>>;

interface StSchemaModule {
  STBase: new (interactionType: string, requestId: string) => STBase;
  DiscoveryResponse: new (requestId: string) => DiscoveryResponse;
  StateRefreshResponse: new (requestId: string) => StateResponse;
  CommandResponse: new (requestId: string) => StateResponse;
  GlobalErrorTypes: ErrorEnum<
    | "TOKEN_EXPIRED"
    | "INTEGRATION_DELETED"
    | "BAD_REQUEST"
    | "INVALID_TOKEN"
    | "INVALID_INTERACTION_TYPE"
    | "UNSUPPORTED_GRANT_TYPE"
    | "INVALID_CODE"
    | "INVALID_CLIENT_SECRET"
    | "INVALID_CLIENT"
  >;
  DeviceErrorTypes: ErrorEnum<"DEVICE_DELETED" | "RESOURCE_CONSTRAINT_VIOLATION" | "DEVICE_UNAVAILABLE" | "CAPABILITY_NOT_SUPPORTED">;
}

export const stSchema = createRequire(import.meta.url)("st-schema") as StSchemaModule;
