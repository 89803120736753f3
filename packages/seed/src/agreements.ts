// Each partner's agreement as the demo starts: its versions, and their clauses in legal text with
// the terms the engine enforces. The catalogue re-exports all of it.
import { type ClauseTerms, FULFIL_REQUEST } from "@proviso/domain";
import type { PartnerId } from "./catalogue";
import { CATEGORY as C } from "./categories";

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
