// A realistic snapshot for the benchmark: 4 partners with ~10 clauses each, 100,000 homes with their
// links and consents, and a stream of requests drawn like the worker's (state changes × links).
import { type ClauseTerms, FULFIL_REQUEST } from "@proviso/domain";
import type { PolicySnapshot, ShareRequest, SnapshotConsent, SnapshotLink } from "../src/types";

export const NOW = Date.UTC(2026, 10, 24, 12);
const DAY = 86_400_000;
export const CATEGORIES = [
  "user.device.sensor.temperature",
  "user.device.sensor.setpoint",
  "user.device.sensor.hvac_mode",
  "user.device.sensor.humidity",
  "user.device.sensor.occupancy",
  "user.device.sensor.lock_state",
  "user.device.sensor.contact_state",
];
export const PARTNERS = ["alexa", "google-home", "apple-home", "smartthings"];
export const MODELS = ["proviso-t1", "proviso-s1", "proviso-l1"];
const AUTOMATION = "functional.service.automation";

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clausesFor(p: number): { clauseKey: string; terms: ClauseTerms }[] {
  const clauses: { clauseKey: string; terms: ClauseTerms }[] = [];
  CATEGORIES.forEach((category, i) => {
    if ((i + p) % 5 === 4) return; // each partner leaves a category or two out
    const modes: ("on_request" | "proactive")[] = (i + p) % 3 === 0 ? ["on_request"] : ["on_request", "proactive"];
    clauses.push({
      clauseKey: `2.${i + 1}`,
      terms: {
        kind: "data_share",
        category,
        modes,
        purposes: i % 2 ? [FULFIL_REQUEST, AUTOMATION] : [FULFIL_REQUEST],
        retentionDays: 30,
        minimisation: i === 0 ? { roundTo: 0.5 } : i === 3 ? { roundTo: 5 } : i === 4 ? { minIntervalSeconds: 300 } : {},
        optInRequired: true,
      },
    });
  });
  clauses.push({
    clauseKey: "3.1",
    terms: {
      kind: "certification_requirement",
      programme: `programme-${p}`,
      models: MODELS,
      demands: { categories: [CATEGORIES[0]!], mode: "proactive" },
      consequence: "suspend_sharing",
    },
  });
  clauses.push({ clauseKey: "4.1", terms: { kind: "rate_limit", maxPerMinute: 6000, scope: "integration" } });
  clauses.push({ clauseKey: "5.1", terms: { kind: "deletion_on_unlink", deadlineDays: 30 } });
  clauses.push({ clauseKey: "6.1", terms: { kind: "breach_notification", notifyWithinHours: 72 } });
  return clauses;
}

export function buildScenario(homes = 100_000, requestCount = 1_000_000) {
  const random = rng(42);
  const versions = PARTNERS.map((partnerId, p) => ({
    versionId: `${partnerId}-v1`,
    partnerId,
    version: 1,
    effectiveFrom: NOW - 200 * DAY,
    endsAt: null,
    clauses: clausesFor(p),
  }));
  const links: SnapshotLink[] = [];
  const consents: SnapshotConsent[] = [];
  const homeIds: string[] = [];
  const linked: number[][] = [];
  for (let h = 0; h < homes; h++) {
    const homeId = `home-${h.toString(36).padStart(6, "0")}-${Math.floor(random() * 1e9).toString(36)}`;
    homeIds.push(homeId);
    const mine: number[] = [];
    PARTNERS.forEach((partnerId, p) => {
      if (random() > [0.8, 0.5, 0.2, 0.15][p]!) return;
      mine.push(p);
      links.push({ homeId, partnerId, status: random() < 0.97 ? "active" : "revoked" });
      for (const category of CATEGORIES) {
        const r = random();
        if (r < 0.25) continue;
        consents.push({ homeId, partnerId, category, mode: r < 0.35 ? "off" : r < 0.7 ? "on_request" : "proactive", version: 1 + Math.floor(random() * 3) });
      }
    });
    linked.push(mine);
  }
  const certifications = PARTNERS.flatMap((_, p) =>
    MODELS.map((modelKey, m) => ({
      modelKey,
      programmeKey: `programme-${p}`,
      status: (m === 2 && p === 1 ? "expired" : "certified") as "expired" | "certified",
      validUntil: NOW + 100 * DAY,
    })),
  );
  const snapshot: PolicySnapshot = { versions, links, consents, certifications };

  // Requests come as the worker makes them: one state change of one device, decided for every
  // partner linked to its home and every category the change touches.
  const MODEL_CATEGORIES = [
    [0, 1, 2, 3],
    [0, 3, 4, 6],
    [5, 6],
  ];
  const requests: ShareRequest[] = [];
  while (requests.length < requestCount) {
    let h = Math.floor(random() * homes);
    while (linked[h]!.length === 0) h = (h + 1) % homes;
    const m = Math.floor(random() * MODELS.length);
    const touched = MODEL_CATEGORIES[m]!.filter(() => random() < 0.6);
    if (touched.length === 0) touched.push(MODEL_CATEGORIES[m]![0]!);
    const mode = random() < 0.8 ? "proactive" : "on_request";
    const at = NOW + Math.floor(random() * 3_600_000);
    const lastSentAt = random() < 0.3 ? NOW - Math.floor(random() * 600_000) : null;
    for (const p of linked[h]!) {
      for (const c of touched) {
        requests.push({
          partnerId: PARTNERS[p]!,
          homeId: homeIds[h]!,
          modelKey: MODELS[m]!,
          category: CATEGORIES[c]!,
          mode,
          purpose: FULFIL_REQUEST,
          at,
          properties: c === 0 ? { temperature: Math.round(random() * 300) / 10 } : { value: 1 },
          lastSentAt,
        });
      }
    }
  }
  requests.length = requestCount;
  return { snapshot, requests };
}
