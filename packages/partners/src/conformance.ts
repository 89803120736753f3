// The platforms' own published schemas, read from ../shared/vendor-schemas (or VENDOR_SCHEMAS_DIR),
// for the conformance tests and for the partner sandbox, which checks every message it receives.
// A missing folder fails loudly: conformance must never pass by not checking.
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SMARTTHINGS_GLOBAL_ERROR, SMARTTHINGS_SCHEMAS } from "./smartthings/schema";
import { WEBHOOK_DELETION_SCHEMA, WEBHOOK_MESSAGE_SCHEMA } from "./webhook/messages";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const VENDOR_DIR = path.resolve(process.env.VENDOR_SCHEMAS_DIR ?? path.join(repoRoot, "../shared/vendor-schemas"));

export function requireVendorDir(): string {
  if (!fs.existsSync(path.join(VENDOR_DIR, "alexa/alexa_smart_home_message_schema.json"))) {
    throw new Error(`Partner schemas not found in ${VENDOR_DIR}: put shared/vendor-schemas beside the repository or set VENDOR_SCHEMAS_DIR`);
  }
  return VENDOR_DIR;
}

const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(requireVendorDir(), rel), "utf8"));

/** The generic webhook's messages: Proviso's own published schemas (webhook/messages.ts), a state change or a deletion event by its `type`. */
export function webhookValidator(): Validator {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  const state = ajv.compile(WEBHOOK_MESSAGE_SCHEMA) as Validator;
  const deletion = ajv.compile(WEBHOOK_DELETION_SCHEMA) as Validator;
  const pick = (body: unknown) => ((body as { type?: unknown })?.type === "deletion.requested" ? deletion : state);
  const validate = ((body: unknown) => {
    const v = pick(body);
    const ok = v(body);
    validate.errors = v.errors;
    return ok;
  }) as Validator;
  return validate;
}

/** SmartThings' published shapes (smartthings/schema.ts), one validator per interaction type, and its globalError. */
export function smartthingsValidators(): { byType: Record<string, Validator>; globalError: Validator } {
  // `anyOf: [{ required: [states] }, { required: [deviceError] }]` names properties the branch itself does not define.
  const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  const byType = Object.fromEntries(Object.entries(SMARTTHINGS_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema) as Validator]));
  return { byType, globalError: ajv.compile(SMARTTHINGS_GLOBAL_ERROR) as Validator };
}

export interface Validator {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

/** Amazon's schema: draft-04 with a few non-standard keywords and formats, which we ignore. */
export function alexaValidator(): Validator {
  const ajv = new AjvDraft04({ strict: false, validateFormats: false, allErrors: false, unicodeRegExp: false });
  return ajv.compile(read("alexa/alexa_smart_home_message_schema.json")) as Validator;
}

/**
 * `Alexa.Discovery.DeleteReport`, which Amazon documents beside AddOrUpdateReport but its published
 * schema predates: checked against the schema's own AddOrUpdateReport definition with the name
 * changed and each endpoint reduced to its id (the documented shape), using the schema's own
 * definitions for the header, message id and scope.
 */
export function alexaDeleteReportValidator(): Validator {
  const full = read("alexa/alexa_smart_home_message_schema.json") as { definitions: unknown; oneOf: unknown[] };
  type Node = { description?: string; oneOf?: Node[]; properties?: Record<string, Node>; items?: Node; enum?: string[]; [k: string]: unknown };
  const find = (nodes: Node[]): Node | undefined => {
    for (const n of nodes) {
      if (n.description === "An AddOrUpdateReport message for Alexa.Discovery") return n;
      const inner = n.oneOf && find(n.oneOf);
      if (inner) return inner;
    }
    return undefined;
  };
  const addOrUpdate = find(full.oneOf as Node[]);
  if (!addOrUpdate) throw new Error("Amazon's schema has no AddOrUpdateReport definition to derive DeleteReport from");
  const schema = structuredClone(addOrUpdate);
  const event = schema.properties!.event!;
  event.properties!.header!.properties!.name = { type: "string", enum: ["DeleteReport"] };
  const endpoints = event.properties!.payload!.properties!.endpoints!;
  const endpointId = endpoints.items!.properties!.endpointId!;
  endpoints.items = { type: "object", required: ["endpointId"], additionalProperties: false, properties: { endpointId } };
  endpoints.minItems = 1;
  schema.description = "A DeleteReport message for Alexa.Discovery (derived from AddOrUpdateReport)";
  const ajv = new AjvDraft04({ strict: false, validateFormats: false, allErrors: false, unicodeRegExp: false });
  return ajv.compile({ $schema: "http://json-schema.org/draft-04/schema#", definitions: full.definitions, ...schema }) as Validator;
}

export function alexaSample(rel: string): unknown {
  return read(`alexa/sample_messages/${rel}`);
}

/** A Google schema (draft-07) by its path under google/. */
export function googleValidator(rel: string): Validator {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, unicodeRegExp: false });
  return ajv.compile(read(`google/${rel}`)) as Validator;
}

export interface MessageCheck {
  valid: boolean;
  errors: string[];
}

const describeErrors = (v: Validator) =>
  ((v.errors ?? []) as { instancePath?: string; message?: string }[]).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`.trim());

const checkWith = (v: Validator, body: unknown): MessageCheck => {
  const valid = v(body);
  return { valid, errors: valid ? [] : describeErrors(v) };
};

/** Checks what a partner receives, as the platform would: Alexa events, Google Report State. */
export function createMessageChecker() {
  const alexa = alexaValidator();
  const traits = [
    "traits/temperaturesetting/temperaturesetting.states.schema.json",
    "traits/temperaturecontrol/temperaturecontrol.states.schema.json",
    "traits/lockunlock/lockunlock.states.schema.json",
    "traits/openclose/openclose.states.schema.json",
  ].map((rel) => ({ rel, validate: googleValidator(rel) }));
  const TRAIT_KEYS: Record<string, string[]> = {
    "traits/temperaturesetting/temperaturesetting.states.schema.json": [
      "thermostatMode",
      "thermostatTemperatureAmbient",
      "thermostatTemperatureSetpoint",
      "thermostatTemperatureSetpointLow",
      "thermostatTemperatureSetpointHigh",
      "thermostatHumidityAmbient",
      "activeThermostatMode",
    ],
    "traits/temperaturecontrol/temperaturecontrol.states.schema.json": ["temperatureAmbientCelsius", "temperatureSetpointCelsius"],
    "traits/lockunlock/lockunlock.states.schema.json": ["isLocked", "isJammed"],
    "traits/openclose/openclose.states.schema.json": ["openPercent", "openState"],
  };
  const deleteReport = alexaDeleteReportValidator();
  const syncResponse = googleValidator("intents/sync/sync.response.schema.json");
  const webhookMessage = webhookValidator();
  const st = smartthingsValidators();
  return {
    /** A SmartThings Schema message, against the shape of its interaction type (or the globalError shape). */
    smartthings(body: unknown): MessageCheck {
      const b = body as { headers?: { interactionType?: unknown }; globalError?: unknown } | null;
      if (b && typeof b === "object" && "globalError" in b) return checkWith(st.globalError, body);
      const type = typeof b?.headers?.interactionType === "string" ? b.headers.interactionType : "";
      const validate = st.byType[type];
      return validate
        ? checkWith(validate, body)
        : { valid: false, errors: [`/headers/interactionType ${JSON.stringify(type)} is not a message a connector sends`] };
    },
    /** Proviso's own webhook message, against the schema Proviso publishes for it. */
    webhook(body: unknown): MessageCheck {
      return checkWith(webhookMessage, body);
    },
    alexa(body: unknown): MessageCheck {
      const header = (body as { event?: { header?: { namespace?: unknown; name?: unknown } } })?.event?.header;
      return checkWith(header?.namespace === "Alexa.Discovery" && header.name === "DeleteReport" ? deleteReport : alexa, body);
    },
    /** An integration's answer to SYNC (what Google asks after a requestSync). */
    googleSync(body: unknown): MessageCheck {
      return checkWith(syncResponse, body);
    },
    /**
     * Home Graph `devices:requestSync`: `{ agentUserId, async? }` and nothing else (Google publishes
     * no JSON schema for Home Graph's own calls; this is its documented request body).
     */
    googleRequestSync(body: unknown): MessageCheck {
      const errors: string[] = [];
      if (!body || typeof body !== "object" || Array.isArray(body)) return { valid: false, errors: ["/ must be an object"] };
      const b = body as Record<string, unknown>;
      if (typeof b.agentUserId !== "string" || b.agentUserId.length === 0) errors.push("/agentUserId must be a non-empty string");
      if (b.async !== undefined && typeof b.async !== "boolean") errors.push("/async must be a boolean");
      for (const k of Object.keys(b)) if (k !== "agentUserId" && k !== "async") errors.push(`/ must NOT have additional property ${k}`);
      return { valid: errors.length === 0, errors };
    },
    /** Report State: the envelope, then each device's state, trait by trait. */
    google(body: unknown): MessageCheck {
      const b = body as { requestId?: unknown; agentUserId?: unknown; payload?: { devices?: { states?: Record<string, Record<string, unknown>> } } };
      const errors: string[] = [];
      if (typeof b?.requestId !== "string") errors.push("/requestId must be a string");
      if (typeof b?.agentUserId !== "string") errors.push("/agentUserId must be a string");
      const states = b?.payload?.devices?.states;
      if (!states || typeof states !== "object") errors.push("/payload/devices/states must be an object");
      for (const [id, state] of Object.entries(states ?? {})) {
        for (const { rel, validate } of traits) {
          const keys = TRAIT_KEYS[rel]!;
          const part = Object.fromEntries(Object.entries(state).filter(([k]) => keys.includes(k)));
          if (Object.keys(part).length === 0) continue;
          if (!validate(part)) errors.push(...describeErrors(validate).map((e) => `${id}: ${e}`));
        }
        const known = new Set(["online", ...Object.values(TRAIT_KEYS).flat()]);
        for (const k of Object.keys(state)) if (!known.has(k)) errors.push(`${id}: unknown state ${k}`);
      }
      return { valid: errors.length === 0, errors };
    },
  };
}
