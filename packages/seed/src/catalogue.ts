// The demo's reference data: partners, programmes, retail channels, models, SKUs, certifications,
// listings, and each partner's agreement (its versions and clauses are in agreements.ts, the data
// categories both speak of in categories.ts). Ids are stable so the seed can run again harmlessly.
import { type DeviceKind, type ListingStatus } from "@proviso/domain";
import { CATEGORY as C } from "./categories";
import { stableId } from "./random";

export { CATEGORY } from "./categories";

const DAY = 86_400_000;

export const PARTNERS = [
  { id: "alexa", name: "Amazon Alexa", adapter: "alexa" },
  { id: "google-home", name: "Google Home", adapter: "google" },
  { id: "apple-home", name: "Apple Home", adapter: "webhook" },
  { id: "smartthings", name: "SmartThings", adapter: "smartthings" },
] as const;
export type PartnerId = (typeof PARTNERS)[number]["id"];

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

export const DAY_MS = DAY;
