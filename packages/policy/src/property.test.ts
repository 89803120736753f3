// Property-based: the engine and the naive reference agree on random snapshots and requests.
// 1,000 snapshots × 100 requests = 100,000 decisions compared per run.
import { propertiesOfCategory, type ClauseTerms } from "@proviso/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSnapshot } from "./compile";
import { decideShare, homeInputsKey, isDiscoverable, partnerStateKey } from "./decide";
import { allowedModes, modeReasons } from "./modes";
import { withChanges, type ConsentChange, type PolicyChanges } from "./patch";
import type { PolicySnapshot, ShareRequest } from "./types";
import { naiveDecide } from "./__tests__/naive-reference";
import { ADS, DAY, FULFIL, LOCK, NOW, OCC, T } from "./__tests__/fixtures";

const PARTNERS = ["alexa", "google"];
const HOMES = ["h1", "h2", "h3"];
const CATEGORIES = [T, LOCK, OCC];
const MODELS = ["m1", "m2"];
const PROGRAMMES = ["p1", "p2"];
const PURPOSES = [FULFIL, ADS, "functional.service.automation"];
const TIMES = [-3, -2, -1, 0, 1, 2, 3].map((k) => NOW + k * DAY);

const subset = <T>(items: T[]) => fc.subarray(items, { minLength: 1 });
const time = fc.constantFrom(...TIMES);

const minimisation = fc.record(
  {
    roundTo: fc.constantFrom(0.5, 1, 2),
    minIntervalSeconds: fc.constantFrom(60, 300),
    dropProperties: fc.subarray(["temperature", "note"]),
  },
  { requiredKeys: [] },
);

const dataShare: fc.Arbitrary<ClauseTerms> = fc
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

const certRequirement: fc.Arbitrary<ClauseTerms> = fc.record({
  kind: fc.constant("certification_requirement" as const),
  programme: fc.constantFrom(...PROGRAMMES),
  models: subset(MODELS),
  demands: fc.constant({ categories: [T] as string[], mode: "proactive" as const }),
  consequence: fc.constantFrom("withdraw_from_discovery", "suspend_sharing", "none") as fc.Arbitrary<"withdraw_from_discovery" | "suspend_sharing" | "none">,
});

const versionShape = fc.record({
  version: fc.integer({ min: 1, max: 3 }),
  effectiveFrom: fc.oneof({ weight: 3, arbitrary: fc.constant(NOW - 10 * DAY) }, { weight: 2, arbitrary: time }),
  length: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  clauses: fc.array(fc.oneof({ weight: 5, arbitrary: dataShare }, { weight: 1, arbitrary: certRequirement }), {
    minLength: 1,
    maxLength: 6,
  }),
});

/** Each partner gets zero to three versions, most often one in force now. */
const versions = fc
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

const certifications = fc.uniqueArray(
  fc.record({
    modelKey: fc.constantFrom(...MODELS),
    programmeKey: fc.constantFrom(...PROGRAMMES),
    status: fc.constantFrom("certified", "pending", "expired", "revoked") as fc.Arbitrary<"certified" | "pending" | "expired" | "revoked">,
    validUntil: fc.option(time, { nil: null }),
  }),
  { selector: (c) => `${c.modelKey}|${c.programmeKey}`, maxLength: 4 },
);

const suspensions = fc
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

const snapshotArb: fc.Arbitrary<PolicySnapshot> = fc.record({
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

const anyRequest: fc.Arbitrary<ShareRequest> = fc.record({
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
function requestsFor(snapshot: PolicySnapshot): fc.Arbitrary<ShareRequest[]> {
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
const scenarios = snapshotArb.chain((s) => requestsFor(s).map((requests) => [s, requests] as const));
const runs = (numRuns: number) => ({ numRuns, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2_147_483_647) });

describe("engine vs naive reference", () => {
  it("agrees on 100,000 random decisions", () => {
    let compared = 0;
    const outcomes: Record<string, number> = { send: 0, withhold: 0, transform: 0 };
    fc.assert(
      fc.property(scenarios, ([snapshot, requests]) => {
        const policy = compileSnapshot(snapshot);
        for (const req of requests) {
          const engine = decideShare(policy, req);
          expect(engine).toEqual(naiveDecide(snapshot, req));
          outcomes[engine.outcome]!++;
          compared++;
        }
      }),
      runs(1_000),
    );
    expect(compared).toBeGreaterThanOrEqual(100_000);
    // The generators reach every outcome, so the comparison is not all-withhold.
    expect(outcomes.send).toBeGreaterThan(500);
    expect(outcomes.transform).toBeGreaterThan(500);
    console.log(`compared ${compared} decisions:`, outcomes);
  }, 120_000);
});

describe("allowedModes and modeReasons", () => {
  it("allow a mode exactly where deciding on a complete reading of the category would send it", () => {
    let asked = 0;
    let allowed = 0;
    fc.assert(
      fc.property(scenarios, ([snapshot, requests]) => {
        const policy = compileSnapshot(snapshot);
        for (const req of requests) {
          // A reading with every property of the category (the engine decides on what was reported).
          const complete = Object.fromEntries(propertiesOfCategory(req.category).map((p) => [p, p === "lockState" ? "locked" : 20.3]));
          const q = { partnerId: req.partnerId, homeId: req.homeId, modelKey: req.modelKey, category: req.category, purpose: req.purpose, at: req.at };
          const modes = allowedModes(policy, q);
          for (const mode of ["on_request", "proactive"] as const) {
            const d = decideShare(policy, { ...req, mode, properties: complete, lastSentAt: null });
            const r = modeReasons(policy, q, mode);
            expect(modes.includes(mode)).toBe(d.outcome !== "withhold");
            expect(r.allowed).toBe(d.outcome !== "withhold");
            // Withheld: the same reasons; allowed: what the decision rests on, before any rounding or dropping.
            if (!r.allowed) expect(r.reasons).toEqual(d.reasons);
            else expect(d.reasons.slice(0, r.reasons.length)).toEqual(r.reasons);
            asked++;
            if (r.allowed) allowed++;
          }
        }
      }),
      runs(300),
    );
    expect(asked).toBeGreaterThanOrEqual(60_000);
    // Not all-withhold: the comparison reaches allowed modes often.
    expect(allowed).toBeGreaterThan(2_000);
  }, 120_000);
});

describe("homeInputsKey", () => {
  it("homes with the same key decide alike (what lets the worker decide each key once)", () => {
    let pairs = 0;
    let differing = 0;
    fc.assert(
      fc.property(scenarios, ([snapshot, requests]) => {
        const policy = compileSnapshot(snapshot);
        for (const req of requests) {
          const key = homeInputsKey(policy, req.partnerId, req.homeId, [req.category]);
          const a = decideShare(policy, req);
          for (const other of [...HOMES, "h9"]) {
            if (other === req.homeId) continue;
            const b = decideShare(policy, { ...req, homeId: other });
            if (homeInputsKey(policy, req.partnerId, other, [req.category]) !== key) {
              if (a.outcome !== b.outcome) differing++;
              continue;
            }
            expect({ outcome: b.outcome, properties: b.properties }).toEqual({ outcome: a.outcome, properties: a.properties });
            pairs++;
          }
        }
      }),
      runs(300),
    );
    // Enough pairs share a key to mean something, and the key does tell apart homes that decide apart.
    expect(pairs).toBeGreaterThan(5_000);
    expect(differing).toBeGreaterThan(1_000);
  }, 120_000);
});

describe("partnerStateKey", () => {
  it("a partner with the same key at two moments decides alike at both (what lets the worker skip what has not moved)", () => {
    let pairs = 0;
    let moved = 0;
    fc.assert(
      fc.property(scenarios, fc.constantFrom(...TIMES), ([snapshot, requests], later) => {
        const policy = compileSnapshot(snapshot);
        for (const asked of requests) {
          // A minimum interval reads the time since the last send, not the partner: none here.
          const req = { ...asked, lastSentAt: null };
          const then = { ...req, at: later };
          const a = decideShare(policy, req);
          const b = decideShare(policy, then);
          if (partnerStateKey(policy, req.partnerId, req.at) !== partnerStateKey(policy, req.partnerId, later)) {
            if (a.outcome !== b.outcome) moved++;
            continue;
          }
          expect({ outcome: b.outcome, properties: b.properties }).toEqual({ outcome: a.outcome, properties: a.properties });
          expect(isDiscoverable(policy, req.partnerId, req.modelKey, later)).toBe(isDiscoverable(policy, req.partnerId, req.modelKey, req.at));
          pairs++;
        }
      }),
      runs(300),
    );
    expect(pairs).toBeGreaterThan(5_000);
    expect(moved).toBeGreaterThan(100);
  }, 120_000);
});

describe("withChanges", () => {
  const MODES = ["off", "on_request", "proactive"] as ConsentChange["mode"][];
  const STATUSES = ["active", "active", "revoked", "unlinked"] as ("active" | "revoked" | "unlinked")[];
  /** Homes, partners and categories the compiled policy may not have a place for yet. */
  const NEW_HOMES = [...HOMES, "h4", "h5"];
  const NEW_PARTNERS = [...PARTNERS, "smartthings"];
  const NEW_CATEGORIES = [...CATEGORIES, "user.device.sensor.humidity"];

  /** A homeowner's next choices: new versions of consents the snapshot has, and consents for anything. */
  const consentsFor = (snapshot: PolicySnapshot): fc.Arbitrary<ConsentChange[]> => {
    const fresh = fc.record({
      homeId: fc.constantFrom(...NEW_HOMES),
      partnerId: fc.constantFrom(...NEW_PARTNERS),
      category: fc.constantFrom(...NEW_CATEGORIES),
      mode: fc.constantFrom(...MODES),
      version: fc.integer({ min: 1, max: 8 }),
    });
    const next =
      snapshot.consents.length === 0
        ? fresh
        : fc.tuple(fc.constantFrom(...snapshot.consents), fc.constantFrom(...MODES), fc.integer({ min: 0, max: 2 })).map(([c, mode, step]) => ({
            homeId: c.homeId,
            partnerId: c.partnerId,
            category: c.category,
            mode,
            version: Math.max(1, c.version + step - 1),
          }));
    return fc.array(fc.oneof({ weight: 3, arbitrary: next }, { weight: 1, arbitrary: fresh }), { maxLength: 6 });
  };

  /** Every link of some homes as it now is (linked, revoked, unlinked, gone), new homes and partners among them. */
  const linksChange = fc.subarray(NEW_HOMES, { minLength: 1, maxLength: 3 }).chain((homes) =>
    fc
      .uniqueArray(fc.record({ homeId: fc.constantFrom(...homes), partnerId: fc.constantFrom(...NEW_PARTNERS), status: fc.constantFrom(...STATUSES) }), {
        selector: (l) => `${l.homeId}|${l.partnerId}`,
        maxLength: 5,
      })
      .map((links) => ({ homes, links })),
  );

  const changesFor = (snapshot: PolicySnapshot): fc.Arbitrary<PolicyChanges> =>
    fc.record(
      {
        terms: fc.record({ versions, certifications, suspensions }),
        links: linksChange,
        consents: consentsFor(snapshot),
      },
      { requiredKeys: [] },
    );

  /** The snapshot with the changes made, as the database would then give it. */
  const changed = (snapshot: PolicySnapshot, c: PolicyChanges): PolicySnapshot => ({
    versions: c.terms?.versions ?? snapshot.versions,
    certifications: c.terms?.certifications ?? snapshot.certifications,
    suspensions: c.terms ? c.terms.suspensions : snapshot.suspensions,
    links: c.links ? [...snapshot.links.filter((l) => !c.links!.homes.includes(l.homeId)), ...c.links.links] : snapshot.links,
    consents: [...snapshot.consents, ...(c.consents ?? [])],
  });

  /** Requests aimed at what either snapshot knows (and at what neither does). */
  const requestsAt = (a: PolicySnapshot, b: PolicySnapshot) => {
    const known = [...a.consents, ...b.consents];
    const aimed = fc
      .tuple(anyRequest, fc.constantFrom(...known), fc.constantFrom(...NEW_HOMES, "h9"), fc.constantFrom(true, true, true, false))
      .map(([r, c, home, same]) => ({ ...r, homeId: same ? c.homeId : home, partnerId: c.partnerId, category: c.category, purpose: FULFIL }));
    return fc.array(known.length ? fc.oneof({ weight: 4, arbitrary: aimed }, { weight: 1, arbitrary: anyRequest }) : anyRequest, {
      minLength: 60,
      maxLength: 60,
    });
  };

  it("decides as a policy compiled afresh with the changes (twice in a row), and leaves the original as it was", () => {
    let compared = 0;
    const kinds = { terms: 0, links: 0, consents: 0, grown: 0 };
    const outcomes: Record<string, number> = { send: 0, withhold: 0, transform: 0 };
    fc.assert(
      fc.property(
        snapshotArb.chain((s) =>
          changesFor(s).chain((c1) => {
            const s1 = changed(s, c1);
            return changesFor(s1).chain((c2) => requestsAt(s, changed(s1, c2)).map((requests) => [s, c1, c2, requests] as const));
          }),
        ),
        ([snapshot, c1, c2, requests]) => {
          const policy = compileSnapshot(snapshot);
          const before = requests.map((req) => decideShare(policy, req));
          const p1 = withChanges(policy, c1)!;
          const s1 = changed(snapshot, c1);
          const p2 = withChanges(p1, c2)!;
          const s2 = changed(s1, c2);
          const compiled1 = compileSnapshot(s1);
          const compiled2 = compileSnapshot(s2);
          for (const req of requests) {
            const d = decideShare(p2, req);
            expect(decideShare(p1, req)).toEqual(decideShare(compiled1, req));
            expect(d).toEqual(decideShare(compiled2, req));
            expect(homeInputsKey(p2, req.partnerId, req.homeId, [req.category])).toBe(homeInputsKey(compiled2, req.partnerId, req.homeId, [req.category]));
            expect(isDiscoverable(p2, req.partnerId, req.modelKey, req.at)).toBe(isDiscoverable(compiled2, req.partnerId, req.modelKey, req.at));
            outcomes[d.outcome]!++;
            compared += 2;
          }
          expect(requests.map((req) => decideShare(policy, req))).toEqual(before);
          for (const c of [c1, c2]) {
            if (c.terms) kinds.terms++;
            if (c.links) kinds.links++;
            if (c.consents?.length) kinds.consents++;
          }
          if (p2.homeIndex.size > policy.homeIndex.size || p2.partnerCount > policy.partnerCount || p2.categoryCount > policy.categoryCount) kinds.grown++;
        },
      ),
      runs(400),
    );
    expect(compared).toBeGreaterThan(40_000);
    // Every kind of change is met often, and often grows the policy, and every outcome is reached
    // (≈ 150 sends and 130 transforms a run: most random links and terms withhold).
    for (const n of Object.values(kinds)) expect(n).toBeGreaterThan(100);
    expect(outcomes.send).toBeGreaterThan(50);
    expect(outcomes.transform).toBeGreaterThan(50);
  }, 120_000);

  it("refuses a consent no compile would accept", () => {
    const policy = compileSnapshot({ versions: [], consents: [], links: [], certifications: [] });
    const c = { homeId: "h1", partnerId: "alexa", category: T, mode: "proactive" as const, version: 1 };
    expect(withChanges(policy, { consents: [c] })).not.toBeNull();
    expect(withChanges(policy, { consents: [{ ...c, version: 0 }] })).toBeNull();
    expect(withChanges(policy, { consents: [{ ...c, mode: "sometimes" as never }] })).toBeNull();
  });
});
