// The demo's reference data: partners, programmes, retail channels, models, SKUs, certifications,
// listings, and each partner's agreement. Ids are stable so the seed can run again harmlessly.
import { type ClauseTerms, FULFIL_REQUEST, type DeviceKind, type ListingStatus } from "@proviso/domain";
import { stableId } from "./random";

const DAY = 86_400_000;

export const PARTNERS = [
  { id: "alexa", name: "Amazon Alexa", adapter: "alexa" },
  { id: "google-home", name: "Google Home", adapter: "google" },
  { id: "apple-home", name: "Apple Home", adapter: "webhook" },
  { id: "smartthings", name: "SmartThings", adapter: "smartthings" },
] as const;
export type PartnerId = (typeof PARTNERS)[number]["id"];

const C = {
  temperature: "user.device.sensor.temperature",
  setpoint: "user.device.sensor.setpoint",
  hvac: "user.device.sensor.hvac_mode",
  humidity: "user.device.sensor.humidity",
  occupancy: "user.device.sensor.occupancy",
  lock: "user.device.sensor.lock_state",
  contact: "user.device.sensor.contact_state",
  connectivity: "user.device.telemetry.connectivity",
  energy: "user.device.telemetry.energy_usage",
} as const;
export const CATEGORY = C;

export const PROGRAMMES = [
  {
    key: "works-with-alexa",
    partnerId: "alexa",
    name: "Works with Alexa",
    requirements: [
      {
        key: "WWA-3.2",
        text: "Every capability a device declares is proactivelyReported.",
        categories: [C.temperature, C.setpoint, C.hvac, C.occupancy, C.lock, C.contact],
        mode: "proactive" as const,
      },
    ],
  },
  {
    key: "works-with-google-home",
    partnerId: "google-home",
    name: "Works with Google Home",
    requirements: [
      {
        key: "WWGH-RS",
        text: "Devices declare willReportState and report every state change.",
        categories: [C.temperature, C.setpoint, C.lock],
        mode: "proactive" as const,
      },
    ],
  },
  { key: "matter", partnerId: "apple-home", name: "Matter (via Apple Home)", requirements: [] },
  { key: "works-with-smartthings", partnerId: "smartthings", name: "Works with SmartThings", requirements: [] },
].map((p) => ({ ...p, id: stableId(`programme:${p.key}`) }));

export const CHANNELS = [
  { key: "amazon-store", partnerId: "alexa", name: "Amazon store" },
  { key: "google-store", partnerId: "google-home", name: "Google Store" },
  { key: "apple-store", partnerId: "apple-home", name: "Apple Store" },
  { key: "samsung-shop", partnerId: "smartthings", name: "Samsung Shop" },
].map((c) => ({ ...c, id: stableId(`channel:${c.key}`) }));

export const MODELS = [
  {
    key: "proviso-t1",
    name: "Proviso Thermostat T1",
    kind: "thermostat",
    categories: [C.temperature, C.setpoint, C.hvac, C.humidity, C.connectivity, C.energy],
  },
  {
    key: "proviso-s1",
    name: "Proviso Room Sensor S1",
    kind: "sensor",
    categories: [C.temperature, C.humidity, C.occupancy, C.contact, C.connectivity],
  },
  { key: "proviso-l1", name: "Proviso Smart Lock L1", kind: "lock", categories: [C.lock, C.contact, C.connectivity] },
].map((m) => ({ ...m, id: stableId(`model:${m.key}`) })) as {
  id: string;
  key: string;
  name: string;
  kind: DeviceKind;
  categories: string[];
}[];

export const SKUS = MODELS.flatMap((m) =>
  (["US", "EU"] as const).map((region) => ({
    id: stableId(`sku:${m.key}-${region}`),
    modelId: m.id,
    code: `${m.key.replace("proviso-", "").toUpperCase()}-${region}`,
    name: `${m.name} (${region})`,
    region,
  })),
);

const modelId = (key: string) => MODELS.find((m) => m.key === key)!.id;
const programmeId = (key: string) => PROGRAMMES.find((p) => p.key === key)!.id;
const channelId = (key: string) => CHANNELS.find((c) => c.key === key)!.id;
const skuId = (code: string) => SKUS.find((s) => s.code === code)!.id;

export function certifications(now: Date) {
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const rows = [
    ["proviso-t1", "works-with-alexa", "certified", at(-300), at(400)],
    ["proviso-s1", "works-with-alexa", "certified", at(-320), at(45)],
    // The lock's certification waits on proactive lock state: Alexa's leverage in the v2 talks.
    ["proviso-l1", "works-with-alexa", "pending", null, null],
    ["proviso-t1", "works-with-google-home", "certified", at(-200), at(500)],
    ["proviso-l1", "works-with-google-home", "certified", at(-200), at(25)],
    ["proviso-t1", "matter", "certified", at(-100), at(600)],
    ["proviso-s1", "works-with-smartthings", "expired", at(-800), at(-20)],
  ] as const;
  return rows.map(([model, programme, status, certifiedAt, validUntil]) => ({
    id: stableId(`cert:${model}:${programme}`),
    modelId: modelId(model),
    programmeId: programmeId(programme),
    status,
    certifiedAt,
    validUntil,
  }));
}

export function retailListings() {
  const rows: [string, string, ListingStatus, string[]][] = [
    ["T1-US", "amazon-store", "listed", ["2.1"]],
    ["T1-EU", "amazon-store", "listed", ["2.1"]],
    ["S1-US", "amazon-store", "listed", ["2.1"]],
    ["L1-US", "amazon-store", "at_risk", ["2.1"]],
    ["T1-US", "google-store", "listed", ["2.1"]],
    ["L1-US", "google-store", "listed", ["2.4"]],
    ["T1-EU", "apple-store", "listed", []],
    ["S1-EU", "samsung-shop", "listed", []],
  ];
  return rows.map(([sku, channel, status, clauses]) => ({
    id: stableId(`listing:${sku}:${channel}`),
    skuId: skuId(sku),
    channelId: channelId(channel),
    status,
    dependsOnClauseKeys: clauses,
  }));
}

export interface SeedClause {
  clauseKey: string;
  title: string;
  legalText: string;
  terms: ClauseTerms;
}

const AUTOMATION = "functional.service.automation";

function share(
  clauseKey: string,
  category: string,
  modes: ("on_request" | "proactive")[],
  opts: { purposes?: string[]; retentionDays?: number | null; roundTo?: number; minIntervalSeconds?: number } = {},
): SeedClause {
  const name = category.split(".").pop()!.replace("_", " ");
  const how = modes.includes("proactive") ? "whenever it changes and when the customer asks" : "only when the customer asks";
  const minimisation = {
    ...(opts.roundTo ? { roundTo: opts.roundTo } : {}),
    ...(opts.minIntervalSeconds ? { minIntervalSeconds: opts.minIntervalSeconds } : {}),
  };
  return {
    clauseKey,
    title: `Sharing of ${name}`,
    legalText:
      `The Maker shall make the device's ${name} available to the Platform ${how}, ` +
      `solely for the purposes listed, for customers who have enabled it.` +
      (opts.roundTo ? ` Values are rounded to ${opts.roundTo}.` : "") +
      (opts.retentionDays != null ? ` The Platform retains it for at most ${opts.retentionDays} days.` : ""),
    terms: {
      kind: "data_share",
      category,
      modes,
      purposes: opts.purposes ?? [FULFIL_REQUEST],
      retentionDays: opts.retentionDays ?? 30,
      minimisation,
      optInRequired: true,
    },
  };
}

const common = (rateLimit: number): SeedClause[] => [
  {
    clauseKey: "1.1",
    title: "Term and termination",
    legalText: "Either party may terminate this agreement on 90 days' written notice.",
    terms: { kind: "termination", noticeDays: 90 },
  },
  {
    clauseKey: "4.1",
    title: "Rate of reports",
    legalText: `The Maker shall send at most ${rateLimit} state reports per minute across the integration.`,
    terms: { kind: "rate_limit", maxPerMinute: rateLimit, scope: "integration" },
  },
  {
    clauseKey: "5.1",
    title: "Deletion on unlinking",
    legalText: "When a customer unlinks, the Platform deletes all data received about that home within 30 days.",
    terms: { kind: "deletion_on_unlink", deadlineDays: 30 },
  },
  {
    clauseKey: "6.1",
    title: "Breach notification",
    legalText: "Each party notifies the other of a personal-data breach within 72 hours of becoming aware of it.",
    terms: { kind: "breach_notification", notifyWithinHours: 72 },
  },
];

export interface SeedVersion {
  version: number;
  status: "active" | "in_review" | "draft";
  summary: string;
  effectiveFromDays: number;
  clauses: SeedClause[];
}

export interface SeedAgreement {
  partnerId: PartnerId;
  title: string;
  versions: SeedVersion[];
}

export const AGREEMENTS: SeedAgreement[] = [
  {
    partnerId: "alexa",
    title: "Alexa Smart Home data-sharing agreement",
    versions: [
      {
        version: 1,
        status: "active",
        summary: "Thermostat state on request only.",
        effectiveFromDays: -300,
        clauses: [
          ...common(600).slice(0, 1),
          share("2.1", C.temperature, ["on_request"], { roundTo: 0.5 }),
          share("2.2", C.setpoint, ["on_request"]),
          share("2.3", C.hvac, ["on_request"]),
          ...common(600).slice(1),
        ],
      },
      {
        version: 2,
        status: "in_review",
        summary: "Alexa asks for proactive temperature, occupancy and lock state.",
        effectiveFromDays: 30,
        clauses: [
          ...common(600).slice(0, 1),
          share("2.1", C.temperature, ["on_request", "proactive"], { roundTo: 1, minIntervalSeconds: 300 }),
          share("2.2", C.setpoint, ["on_request"]),
          share("2.3", C.hvac, ["on_request"]),
          share("2.5", C.occupancy, ["proactive"], { purposes: [FULFIL_REQUEST, AUTOMATION], retentionDays: 7 }),
          share("2.6", C.lock, ["on_request", "proactive"], { purposes: [FULFIL_REQUEST, AUTOMATION] }),
          {
            clauseKey: "3.1",
            title: "Works with Alexa certification",
            legalText:
              "Certification of the Maker's models under Works with Alexa requires every declared capability " +
              "to be proactively reported. A model whose certification lapses is withdrawn from discovery.",
            terms: {
              kind: "certification_requirement",
              programme: "works-with-alexa",
              models: ["proviso-t1", "proviso-s1", "proviso-l1"],
              demands: { categories: [C.temperature, C.occupancy, C.lock], mode: "proactive" },
              consequence: "withdraw_from_discovery",
            },
          },
          {
            clauseKey: "3.2",
            title: "Amazon store listing",
            legalText: "The listing of the Maker's thermostat and lock on the Amazon store depends on clauses 2.1 and 2.6.",
            terms: {
              kind: "retail_listing_dependency",
              channel: "amazon-store",
              skus: ["T1-US", "T1-EU", "L1-US"],
              dependsOnClauseKeys: ["2.1", "2.6"],
              consequence: "The listing is reviewed and may be withdrawn.",
            },
          },
          ...common(600).slice(1),
        ],
      },
    ],
  },
  {
    partnerId: "google-home",
    title: "Google Home integration data terms",
    versions: [
      {
        version: 1,
        status: "active",
        summary: "Thermostat state and connectivity reported as they change; lock state on request.",
        effectiveFromDays: -200,
        clauses: [
          ...common(6000).slice(0, 1),
          share("2.1", C.temperature, ["on_request", "proactive"], { roundTo: 0.5, minIntervalSeconds: 60 }),
          share("2.2", C.setpoint, ["on_request", "proactive"]),
          share("2.3", C.hvac, ["on_request", "proactive"]),
          share("2.4", C.lock, ["on_request"]),
          share("2.5", C.connectivity, ["on_request", "proactive"], { retentionDays: 1 }),
          {
            clauseKey: "3.1",
            title: "Works with Google Home certification",
            legalText:
              "Sharing of a model's data holds while the model is certified under Works with Google Home. " +
              "While a model's certification has lapsed, sharing of its data with the Platform is suspended.",
            terms: {
              kind: "certification_requirement",
              programme: "works-with-google-home",
              models: ["proviso-l1"],
              demands: { categories: [C.lock], mode: "proactive" },
              consequence: "suspend_sharing",
            },
          },
          ...common(6000).slice(1),
        ],
      },
    ],
  },
  {
    partnerId: "apple-home",
    title: "Apple Home accessory data terms",
    versions: [
      {
        version: 1,
        status: "active",
        summary: "Everything on request only.",
        effectiveFromDays: -150,
        clauses: [
          ...common(1200).slice(0, 1),
          share("2.1", C.temperature, ["on_request"]),
          share("2.2", C.setpoint, ["on_request"]),
          share("2.3", C.lock, ["on_request"]),
          share("2.4", C.contact, ["on_request"]),
          ...common(1200).slice(1),
        ],
      },
    ],
  },
  {
    partnerId: "smartthings",
    title: "SmartThings data-sharing terms",
    versions: [
      {
        version: 1,
        status: "active",
        summary: "Temperature, humidity and contact state, proactively.",
        effectiveFromDays: -100,
        clauses: [
          ...common(1200).slice(0, 1),
          share("2.1", C.temperature, ["on_request", "proactive"], { roundTo: 1 }),
          share("2.2", C.humidity, ["on_request", "proactive"], { roundTo: 5 }),
          share("2.3", C.contact, ["on_request", "proactive"]),
          ...common(1200).slice(1),
        ],
      },
    ],
  },
];

/** Categories each partner's active version shares, and in which modes (for consents). */
export function activeShares(partnerId: string): { category: string; modes: ("on_request" | "proactive")[] }[] {
  const agreement = AGREEMENTS.find((a) => a.partnerId === partnerId);
  const active = agreement?.versions.find((v) => v.status === "active");
  return (active?.clauses ?? []).flatMap((c) => (c.terms.kind === "data_share" ? [{ category: c.terms.category, modes: c.terms.modes }] : []));
}

export const DAY_MS = DAY;
