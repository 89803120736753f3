// Random snapshots and requests for the engine's property tests: partners, homes, categories,
// models and programmes from small sets, so that collisions (and so every outcome) are common.
import type { ClauseTerms } from "@proviso/domain";
import fc from "fast-check";
import type { PolicySnapshot, ShareRequest } from "../types";
import { ADS, DAY, FULFIL, LOCK, NOW, OCC, T } from "./fixtures";

export const PARTNERS = ["alexa", "google"];
export const HOMES = ["h1", "h2", "h3"];
export const CATEGORIES = [T, LOCK, OCC];
export const MODELS = ["m1", "m2"];
export const PROGRAMMES = ["p1", "p2"];
export const PURPOSES = [FULFIL, ADS, "functional.service.automation"];
export const TIMES = [-3, -2, -1, 0, 1, 2, 3].map((k) => NOW + k * DAY);

export const subset = <T>(items: T[]) => fc.subarray(items, { minLength: 1 });
export const time = fc.constantFrom(...TIMES);

export const minimisation = fc.record(
  {
    roundTo: fc.constantFrom(0.5, 1, 2),
    minIntervalSeconds: fc.constantFrom(60, 300),
    dropProperties: fc.subarray(["temperature", "note"]),
  },
  { requiredKeys: [] },
);

export const dataShare: fc.Arbitrary<ClauseTerms> = fc
  .record({
    kind: fc.constant("data_share" as const),
    category: fc.constantFrom(...CATEGORIES),
    modes: subset(["on_request", "proactive"] as ("on_request" | "proactive")[]),
    purposes: fc.tuple(subset(PURPOSES), fc.boolean()).map(([ps, fulfil]) => (fulfil && !ps.includes(FULFIL) ? [FULFIL, ...ps] : ps)),
    retentionDays: fc.constant(30),
    minimisation,
    optInRequired: fc.boolean(),
    requiresCertification: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...PROGRAMMES) }),
  })
  .map((t) => {
    const { requiresCertification, ...rest } = t;
    return (requiresCertification ? { ...rest, requiresCertification } : rest) as ClauseTerms;
  });

export const certRequirement: fc.Arbitrary<ClauseTerms> = fc.record({
  kind: fc.constant("certification_requirement" as const),
  programme: fc.constantFrom(...PROGRAMMES),
  models: subset(MODELS),
  demands: fc.constant({ categories: [T] as string[], mode: "proactive" as const }),
  consequence: fc.constantFrom("withdraw_from_discovery", "suspend_sharing", "none") as fc.Arbitrary<"withdraw_from_discovery" | "suspend_sharing" | "none">,
});

export const versionShape = fc.record({
  version: fc.integer({ min: 1, max: 3 }),
  effectiveFrom: fc.oneof({ weight: 3, arbitrary: fc.constant(NOW - 10 * DAY) }, { weight: 2, arbitrary: time }),
  length: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  clauses: fc.array(fc.oneof({ weight: 5, arbitrary: dataShare }, { weight: 1, arbitrary: certRequirement }), {
    minLength: 1,
    maxLength: 6,
  }),
});

/** Each partner gets zero to three versions, most often one in force now. */
export const versions = fc
  .tuple(...PARTNERS.map((partnerId) => fc.array(versionShape, { minLength: 0, maxLength: 3 }).map((vs) => vs.map((v) => ({ ...v, partnerId })))))
  .map((perPartner) =>
    perPartner.flat().map((v, i) => ({
      versionId: `v${i}`,
      partnerId: v.partnerId,
      version: v.version,
      effectiveFrom: v.effectiveFrom,
      endsAt: v.length === null ? null : v.effectiveFrom + v.length * DAY,
      clauses: v.clauses.map((terms, k) => ({ clauseKey: `${k + 1}.1`, terms })),
    })),
  );

export const certifications = fc.uniqueArray(
  fc.record({
    modelKey: fc.constantFrom(...MODELS),
    programmeKey: fc.constantFrom(...PROGRAMMES),
    status: fc.constantFrom("certified", "pending", "expired", "revoked") as fc.Arbitrary<"certified" | "pending" | "expired" | "revoked">,
    validUntil: fc.option(time, { nil: null }),
  }),
  { selector: (c) => `${c.modelKey}|${c.programmeKey}`, maxLength: 4 },
);

export const suspensions = fc
  .array(
    fc.record({
      partnerId: fc.constantFrom(...PARTNERS),
      category: fc.option(fc.constantFrom(...CATEGORIES), { nil: null }),
      from: time,
      until: fc.option(time, { nil: null }),
      reason: fc.constant("paused"),
    }),
    { maxLength: 1 },
  )
  .chain((list) => fc.constantFrom(list, [], [], []));

export const snapshotArb: fc.Arbitrary<PolicySnapshot> = fc.record({
  versions,
  consents: fc.uniqueArray(
    fc.record({
      homeId: fc.constantFrom(...HOMES),
      partnerId: fc.constantFrom(...PARTNERS),
      category: fc.constantFrom(...CATEGORIES),
      mode: fc.constantFrom("off", "on_request", "proactive", "proactive", "proactive") as fc.Arbitrary<"off" | "on_request" | "proactive">,
      version: fc.integer({ min: 1, max: 5 }),
    }),
    { selector: (c) => `${c.homeId}|${c.partnerId}|${c.category}`, minLength: 6, maxLength: 18 },
  ),
  links: fc.uniqueArray(
    fc.record({
      homeId: fc.constantFrom(...HOMES),
      partnerId: fc.constantFrom(...PARTNERS),
      status: fc.constantFrom("active", "active", "active", "active", "revoked", "unlinked") as fc.Arbitrary<"active" | "revoked" | "unlinked">,
    }),
    { selector: (l) => `${l.homeId}|${l.partnerId}`, minLength: 5, maxLength: 6 },
  ),
  certifications,
  suspensions,
});

export const anyRequest: fc.Arbitrary<ShareRequest> = fc.record({
  partnerId: fc.constantFrom(...PARTNERS, "smartthings"),
  homeId: fc.constantFrom(...HOMES, "h9"),
  modelKey: fc.constantFrom(...MODELS),
  category: fc.constantFrom(...CATEGORIES, "user.device.sensor.humidity"),
  mode: fc.constantFrom("on_request", "proactive") as fc.Arbitrary<"on_request" | "proactive">,
  purpose: fc.constantFrom(...PURPOSES),
  at: fc.oneof(
    time,
    fc.integer({ min: -3 * 24, max: 3 * 24 }).map((h) => NOW + h * 3_600_000),
  ),
  properties: fc.oneof(
    fc.integer({ min: -100, max: 400 }).map((x) => ({ temperature: x / 10 })),
    fc.integer({ min: -100, max: 400 }).map((x) => ({ temperature: x / 10, note: "n" })),
    fc.constant({ lockState: "LOCKED" }),
    fc.constant({}),
  ),
  lastSentAt: fc.option(
    fc.integer({ min: 0, max: 600 }).map((s) => NOW - s * 1000),
    { nil: null },
  ),
});

/** Mostly requests for what the snapshot has links and consents for, so every outcome is reached. */
export function requestsFor(snapshot: PolicySnapshot): fc.Arbitrary<ShareRequest[]> {
  const aimed =
    snapshot.consents.length === 0
      ? anyRequest
      : fc
          .tuple(anyRequest, fc.constantFrom(...snapshot.consents), fc.constantFrom(FULFIL, FULFIL, FULFIL, ADS))
          .map(([r, c, purpose]) => ({ ...r, homeId: c.homeId, partnerId: c.partnerId, category: c.category, purpose }));
  return fc.array(fc.oneof({ weight: 4, arbitrary: aimed }, { weight: 1, arbitrary: anyRequest }), {
    minLength: 100,
    maxLength: 100,
  });
}

/** A random snapshot with 100 requests aimed at it, and the run settings every property here shares. */
export const scenarios = snapshotArb.chain((s) => requestsFor(s).map((requests) => [s, requests] as const));
export const runs = (numRuns: number) => ({ numRuns, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2_147_483_647) });
