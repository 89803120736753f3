// Property-based: the keys that let the worker skip work (homes alike decide alike; a partner whose
// state has not moved decides as before) and the policy patched with changes, each against the
// engine itself on random snapshots.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSnapshot } from "./compile";
import { decideShare, homeInputsKey, isDiscoverable, partnerStateKey } from "./decide";
import { withChanges, type ConsentChange, type PolicyChanges } from "./patch";
import type { PolicySnapshot } from "./types";
import { anyRequest, CATEGORIES, certifications, HOMES, PARTNERS, runs, scenarios, snapshotArb, suspensions, TIMES, versions } from "./__tests__/arbitraries";
import { FULFIL, T } from "./__tests__/fixtures";

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
