// The shapes SmartThings publishes for the Schema connector's interactions (developer.smartthings.com,
// "SmartThings Schema": interaction types, callbacks, errors) and, for each state, the capability's
// own attribute and values (SmartThings' capabilities reference), as JSON Schema (draft-07). The
// sandbox checks what it receives against them; the conformance tests check what the adapter builds.
const UUID_ISH = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

const headers = (interactionType: string) => ({
  type: "object",
  required: ["schema", "version", "interactionType", "requestId"],
  additionalProperties: false,
  properties: {
    schema: { const: "st-schema" },
    version: { const: "1.0" },
    interactionType: { const: interactionType },
    requestId: { type: "string", minLength: 1 },
  },
});

const authentication = {
  type: "object",
  required: ["tokenType", "token"],
  additionalProperties: false,
  properties: { tokenType: { const: "Bearer" }, token: { type: "string", minLength: 1 } },
};

const temperatureUnit = { enum: ["C", "F"] };
/** One state entry per capability, with that capability's attribute and the values it takes. */
const CAPABILITY_STATES = [
  ["st.temperatureMeasurement", "temperature", { type: "number", minimum: -460, maximum: 10000 }, temperatureUnit],
  ["st.thermostatHeatingSetpoint", "heatingSetpoint", { type: "number", minimum: -460, maximum: 10000 }, temperatureUnit],
  ["st.thermostatCoolingSetpoint", "coolingSetpoint", { type: "number", minimum: -460, maximum: 10000 }, temperatureUnit],
  [
    "st.thermostatMode",
    "thermostatMode",
    { enum: ["auto", "cool", "eco", "rush hour", "emergency heat", "heat", "off", "away", "home", "manual", "schedule", "custom", "fanonly"] },
    null,
  ],
  ["st.relativeHumidityMeasurement", "humidity", { type: "number", minimum: 0, maximum: 100 }, { enum: ["%"] }],
  ["st.motionSensor", "motion", { enum: ["active", "inactive"] }, null],
  ["st.lock", "lock", { enum: ["locked", "unknown", "unlocked", "unlocked with timeout"] }, null],
  ["st.contactSensor", "contact", { enum: ["closed", "open"] }, null],
  ["st.healthCheck", "healthStatus", { enum: ["offline", "online", "unhealthy"] }, null],
  ["st.energyMeter", "energy", { type: "number", minimum: 0 }, { enum: ["Wh", "kWh", "mWh", "kVAh"] }],
] as const;

const stateEntry = {
  oneOf: CAPABILITY_STATES.map(([capability, attribute, value, unit]) => ({
    type: "object",
    required: ["component", "capability", "attribute", "value", ...(unit ? ["unit"] : [])],
    additionalProperties: false,
    properties: {
      component: { type: "string", minLength: 1 },
      capability: { const: capability },
      attribute: { const: attribute },
      value,
      ...(unit ? { unit } : {}),
    },
  })),
};

const deviceError = {
  type: "array",
  minItems: 1,
  items: {
    type: "object",
    required: ["errorEnum", "detail"],
    additionalProperties: false,
    properties: {
      errorEnum: { enum: ["DEVICE-DELETED", "RESOURCE-CONSTRAINT-VIOLATION", "DEVICE-UNAVAILABLE", "CAPABILITY-NOT-SUPPORTED"] },
      detail: { type: "string" },
    },
  },
};

const deviceState = {
  type: "array",
  items: {
    type: "object",
    required: ["externalDeviceId"],
    additionalProperties: false,
    anyOf: [{ required: ["states"] }, { required: ["deviceError"] }],
    properties: {
      externalDeviceId: { type: "string", pattern: UUID_ISH },
      states: { type: "array", items: stateEntry },
      deviceError,
      cookie: { type: "object" },
    },
  },
};

const discoveredDevice = {
  type: "object",
  required: ["externalDeviceId", "friendlyName", "deviceHandlerType"],
  additionalProperties: false,
  properties: {
    externalDeviceId: { type: "string", pattern: UUID_ISH },
    friendlyName: { type: "string", minLength: 1 },
    deviceHandlerType: { type: "string", pattern: "^c2c-[a-z0-9-]+$" },
    manufacturerInfo: {
      type: "object",
      required: ["manufacturerName", "modelName"],
      additionalProperties: false,
      properties: { manufacturerName: { type: "string" }, modelName: { type: "string" }, hwVersion: { type: "string" }, swVersion: { type: "string" } },
    },
    deviceContext: {
      type: "object",
      additionalProperties: false,
      properties: {
        roomName: { type: "string" },
        groups: { type: "array", items: { type: "string" } },
        categories: { type: "array", items: { type: "string" } },
      },
    },
    deviceUniqueId: { type: "string" },
  },
};

const message = (interactionType: string, properties: Record<string, unknown>, required: string[]) => ({
  $schema: "http://json-schema.org/draft-07/schema#",
  title: `SmartThings Schema ${interactionType}`,
  type: "object",
  required: ["headers", ...required],
  additionalProperties: false,
  properties: { headers: headers(interactionType), ...properties },
});

/** What SmartThings receives from a connector, by interaction type. */
export const SMARTTHINGS_SCHEMAS: Record<string, object> = {
  stateCallback: message("stateCallback", { authentication, deviceState: { ...deviceState, minItems: 1 } }, ["authentication", "deviceState"]),
  discoveryCallback: message("discoveryCallback", { authentication, devices: { type: "array", minItems: 1, items: discoveredDevice } }, [
    "authentication",
    "devices",
  ]),
  discoveryResponse: message("discoveryResponse", { devices: { type: "array", items: discoveredDevice } }, []),
  stateRefreshResponse: message("stateRefreshResponse", { deviceState }, []),
  commandResponse: message("commandResponse", { deviceState }, []),
  // What a connector answers an interaction that carries nothing back: its headers alone.
  grantCallbackAccess: message("grantCallbackAccess", {}, []),
  integrationDeleted: message("integrationDeleted", {}, []),
  interactionResult: message("interactionResult", {}, []),
  accessTokenRequest: message(
    "accessTokenRequest",
    {
      callbackAuthentication: {
        type: "object",
        required: ["grantType", "code", "clientId", "clientSecret"],
        additionalProperties: false,
        properties: {
          grantType: { const: "authorization_code" },
          code: { type: "string", minLength: 1 },
          clientId: { type: "string" },
          clientSecret: { type: "string" },
        },
      },
    },
    ["callbackAuthentication"],
  ),
  refreshAccessTokens: message(
    "refreshAccessTokens",
    {
      callbackAuthentication: {
        type: "object",
        required: ["grantType", "refreshToken", "clientId", "clientSecret"],
        additionalProperties: false,
        properties: {
          grantType: { const: "refresh_token" },
          refreshToken: { type: "string", minLength: 1 },
          clientId: { type: "string" },
          clientSecret: { type: "string" },
        },
      },
    },
    ["callbackAuthentication"],
  ),
};

/** A refused interaction, whatever its type: the `globalError` a connector answers with. */
export const SMARTTHINGS_GLOBAL_ERROR = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["headers", "globalError"],
  properties: {
    headers: { type: "object", required: ["schema", "version", "interactionType", "requestId"], properties: { schema: { const: "st-schema" } } },
    globalError: {
      type: "object",
      required: ["errorEnum", "detail"],
      additionalProperties: false,
      properties: {
        errorEnum: {
          enum: [
            "TOKEN-EXPIRED",
            "INTEGRATION-DELETED",
            "BAD-REQUEST",
            "INVALID-TOKEN",
            "INVALID-INTERACTION-TYPE",
            "UNSUPPORTED-GRANT-TYPE",
            "INVALID-CODE",
            "INVALID-CLIENT-SECRET",
            "INVALID-CLIENT",
          ],
        },
        detail: { type: "string" },
      },
    },
  },
};
