// Property-based: the engine and the naive reference agree on random snapshots and requests.
// 1,000 snapshots × 100 requests = 100,000 decisions compared per run.
import { propertiesOfCategory } from "@proviso/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSnapshot } from "./compile";
import { decideShare } from "./decide";
import { allowedModes, modeReasons } from "./modes";
import { naiveDecide } from "./__tests__/naive-reference";
import { runs, scenarios } from "./__tests__/arbitraries";

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
