// Table tests: every clause kind that changes a decision, and every reason code.
import type { ClauseTerms } from "@proviso/domain";
import { describe, expect, it } from "vitest";
import { compileSnapshot } from "./compile";
import { decideShare, isDiscoverable } from "./decide";
import { agreedModes } from "./modes";
import { describeMode, explainForHomeowner, explainForLegal } from "./explain";
import { REASON, WITHHOLDING_CODES } from "./reasons";
import type { PolicySnapshot, ShareRequest } from "./types";
import { naiveDecide } from "./__tests__/naive-reference";
import { ADS, DAY, HUM, LOCK, NOW, OCC, request, share, snapshot, T, version } from "./__tests__/fixtures";

const decide = (s: PolicySnapshot, r: ShareRequest) => {
  const d = decideShare(compileSnapshot(s), r);
  expect(d).toEqual(naiveDecide(s, r)); // every table case also agrees with the reference
  return d;
};
const codes = (s: PolicySnapshot, r: ShareRequest) => decide(s, r).reasons.map((x) => x.code);

const certRule = (consequence: "withdraw_from_discovery" | "suspend_sharing" | "none"): ClauseTerms => ({
  kind: "certification_requirement",
  programme: "works-with-alexa",
  models: ["proviso-t1"],
  demands: { categories: [T], mode: "proactive" },
  consequence,
});

describe("decideShare", () => {
  it("sends what the clause and the consent allow, with both reasons", () => {
    const d = decide(snapshot(), request());
    expect(d.outcome).toBe("send");
    expect(d.properties).toEqual({ temperature: 21.5 });
    expect(d.reasons).toEqual([
      { code: REASON.ALLOWED_BY_CLAUSE, agreementVersionId: "v1", clauseKey: "2.1" },
      { code: REASON.CONSENT_GRANTS, consentVersion: 3 },
    ]);
    expect(d).toMatchObject({ agreementVersionId: "v1", clauseKeys: ["2.1"], consentVersion: 3 });
  });

  it.each([
    ["no link", { links: [] }, REASON.LINK_MISSING],
    ["a revoked link", { links: [{ homeId: "h1", partnerId: "alexa", status: "revoked" as const }] }, REASON.LINK_REVOKED],
    ["an unlinked link", { links: [{ homeId: "h1", partnerId: "alexa", status: "unlinked" as const }] }, REASON.LINK_UNLINKED],
    ["no agreement", { versions: [] }, REASON.NO_AGREEMENT_IN_FORCE],
  ])("withholds with %s", (_name, overrides, code) => {
    const d = decide(snapshot(overrides), request());
    expect(d.outcome).toBe("withhold");
    expect(d.properties).toBeNull();
    expect(d.reasons.map((r) => r.code)).toContain(code);
  });

  it("withholds a category the agreement does not cover, naming the version", () => {
    const d = decide(snapshot(), request({ category: OCC, properties: { occupancy: true } }));
    expect(d.reasons).toContainEqual({ code: REASON.CATEGORY_NOT_COVERED, agreementVersionId: "v1" });
  });

  it("withholds a mode the clause does not allow (lock state on request only)", () => {
    expect(codes(snapshot(), request({ category: LOCK, properties: { lockState: "LOCKED" } }))).toEqual([
      REASON.MODE_NOT_AGREED,
      REASON.CONSENT_ON_REQUEST_ONLY,
    ]);
    expect(decide(snapshot(), request({ category: LOCK, mode: "on_request", properties: { lockState: "LOCKED" } })).outcome).toBe("send");
  });

  it("withholds a purpose the clause does not list", () => {
    expect(codes(snapshot(), request({ purpose: ADS }))).toEqual([REASON.PURPOSE_NOT_AGREED]);
  });

  it.each([
    ["no consent row (privacy by default)", [], REASON.CONSENT_MISSING],
    ["consent off", [{ homeId: "h1", partnerId: "alexa", category: T, mode: "off" as const, version: 4 }], REASON.CONSENT_OFF],
    ["consent on request only", [{ homeId: "h1", partnerId: "alexa", category: T, mode: "on_request" as const, version: 2 }], REASON.CONSENT_ON_REQUEST_ONLY],
  ])("withholds a proactive report with %s", (_name, consents, code) => {
    expect(codes(snapshot({ consents }), request())).toEqual([code]);
  });

  it("lets an on-request answer through without opt-in only where the clause waives it", () => {
    const waived = snapshot({
      consents: [],
      versions: [version("v1", [["2.1", share(T, ["on_request", "proactive"], { optInRequired: false })]])],
    });
    const d = decide(waived, request({ mode: "on_request" }));
    expect(d.outcome).toBe("send");
    expect(d.reasons.map((r) => r.code)).toEqual([REASON.ALLOWED_BY_CLAUSE, REASON.CONSENT_NOT_REQUIRED]);
    // …but a new link never shares proactively until the homeowner opts in.
    expect(codes(waived, request())).toEqual([REASON.CONSENT_MISSING]);
  });

  it("rounds, and says so (data minimisation as a contract term)", () => {
    const d = decide(snapshot(), request({ properties: { temperature: 21.34 } }));
    expect(d.outcome).toBe("transform");
    expect(d.properties).toEqual({ temperature: 21.5 });
    expect(d.reasons.map((r) => r.code)).toEqual([REASON.ALLOWED_BY_CLAUSE, REASON.CONSENT_GRANTS, REASON.ROUNDED]);
  });

  it("drops fields, and withholds when nothing is left", () => {
    const s = snapshot({
      versions: [version("v1", [["2.1", share(T, ["proactive"], { minimisation: { dropProperties: ["temperature"] } })]])],
    });
    const partly = decide(s, request({ properties: { temperature: 20, sensorId: "a" } }));
    expect(partly.outcome).toBe("transform");
    expect(partly.properties).toEqual({ sensorId: "a" });
    expect(partly.reasons.map((r) => r.code)).toContain(REASON.PROPERTIES_DROPPED);
    expect(codes(s, request())).toEqual([REASON.NOTHING_LEFT_TO_SEND]);
  });

  it("holds back a proactive report inside the minimum interval", () => {
    const s = snapshot({ versions: [version("v1", [["2.1", share(T, ["proactive"], { minimisation: { minIntervalSeconds: 300 } })]])] });
    expect(codes(s, request({ lastSentAt: NOW - 60_000 }))).toEqual([REASON.MIN_INTERVAL]);
    expect(decide(s, request({ lastSentAt: NOW - 300_000 })).outcome).toBe("send");
  });

  it("requires a current certification where the clause depends on one", () => {
    const s = snapshot({
      versions: [version("v1", [["2.1", share(T, ["proactive"], { requiresCertification: "works-with-alexa" })]])],
      certifications: [{ modelKey: "proviso-t1", programmeKey: "works-with-alexa", status: "certified", validUntil: NOW + DAY }],
    });
    expect(decide(s, request()).outcome).toBe("send");
    expect(codes(s, request({ at: NOW + 2 * DAY }))).toEqual([REASON.CERTIFICATION_REQUIRED]);
    expect(codes(s, request({ modelKey: "proviso-s1" }))).toEqual([REASON.CERTIFICATION_REQUIRED]);
  });

  it.each(["suspend_sharing", "withdraw_from_discovery"] as const)(
    "applies a certification clause's consequence (%s) when the model's certification lapses",
    (consequence) => {
      const s = snapshot({
        versions: [
          version("v1", [
            ["2.1", share(T, ["proactive"])],
            ["3.1", certRule(consequence)],
          ]),
        ],
        certifications: [{ modelKey: "proviso-t1", programmeKey: "works-with-alexa", status: "certified", validUntil: NOW + DAY }],
      });
      expect(decide(s, request()).outcome).toBe("send");
      const lapsed = decide(s, request({ at: NOW + 2 * DAY }));
      expect(lapsed.reasons).toEqual([
        { code: REASON.CERTIFICATION_LAPSED, agreementVersionId: "v1", clauseKey: "3.1", detail: `works-with-alexa: ${consequence}` },
      ]);
      const policy = compileSnapshot(s);
      expect(isDiscoverable(policy, "alexa", "proviso-t1", NOW + 2 * DAY)).toBe(consequence !== "withdraw_from_discovery");
      // A pending certification never held, so it has not lapsed; other models are unaffected.
      const pending = { ...s, certifications: [{ ...s.certifications[0]!, status: "pending" as const }] };
      expect(decide(pending, request()).outcome).toBe("send");
      expect(decide(s, request({ at: NOW + 2 * DAY, modelKey: "proviso-s1" })).outcome).toBe("send");
    },
  );

  it("ignores a certification clause whose consequence is none", () => {
    const s = snapshot({
      versions: [
        version("v1", [
          ["2.1", share(T, ["proactive"])],
          ["3.1", certRule("none")],
        ]),
      ],
      certifications: [{ modelKey: "proviso-t1", programmeKey: "works-with-alexa", status: "revoked", validUntil: null }],
    });
    expect(decide(s, request()).outcome).toBe("send");
  });

  it("withholds while the partner is suspended, for the category or for all", () => {
    const s = snapshot({ suspensions: [{ partnerId: "alexa", category: null, from: NOW - DAY, until: NOW + DAY, reason: "breach 2026-11" }] });
    expect(decide(s, request()).reasons).toEqual([{ code: REASON.PARTNER_SUSPENDED, detail: "breach 2026-11" }]);
    expect(decide(s, request({ at: NOW + 2 * DAY })).outcome).toBe("send");
    const lockOnly = snapshot({ suspensions: [{ partnerId: "alexa", category: LOCK, from: 0, until: null, reason: "x" }] });
    expect(decide(lockOnly, request()).outcome).toBe("send");
  });

  it("uses the version in force at the decision's time: a later one supersedes, an ended one stops", () => {
    const v1 = version("v1", [["2.1", share(T, ["on_request"])]], { endsAt: NOW + 10 * DAY });
    const v2 = version("v2", [["2.1", share(T, ["on_request", "proactive"])]], { version: 2, effectiveFrom: NOW + 5 * DAY, endsAt: NOW + 20 * DAY });
    const s = snapshot({ versions: [v1, v2] });
    expect(codes(s, request())).toEqual([REASON.MODE_NOT_AGREED]);
    expect(decide(s, request({ at: NOW + 6 * DAY })).agreementVersionId).toBe("v2");
    expect(decide(s, request({ at: NOW + 6 * DAY })).outcome).toBe("send");
    expect(codes(s, request({ at: NOW + 21 * DAY }))).toEqual([REASON.NO_AGREEMENT_IN_FORCE]);
  });

  it("merges several clauses on one category: modes and purposes granted by either, strictest minimisation", () => {
    const s = snapshot({
      versions: [
        version("v1", [
          ["2.1", share(T, ["on_request"], { minimisation: { roundTo: 0.5 } })],
          ["2.9", share(T, ["proactive"], { minimisation: { roundTo: 2 } })],
        ]),
      ],
    });
    const d = decide(s, request({ properties: { temperature: 21.4 } }));
    expect(d.outcome).toBe("transform");
    expect(d.properties).toEqual({ temperature: 22 });
    expect(d.clauseKeys).toEqual(["2.1", "2.9"]);
  });

  it("gives every withholding reason at once, the most restrictive winning", () => {
    const s = snapshot({
      links: [{ homeId: "h1", partnerId: "alexa", status: "revoked" }],
      consents: [{ homeId: "h1", partnerId: "alexa", category: LOCK, mode: "off", version: 9 }],
    });
    expect(codes(s, request({ category: LOCK, purpose: ADS }))).toEqual([
      REASON.LINK_REVOKED,
      REASON.MODE_NOT_AGREED,
      REASON.PURPOSE_NOT_AGREED,
      REASON.CONSENT_OFF,
    ]);
  });

  it("knows which modes a homeowner may choose from", () => {
    const p = compileSnapshot(snapshot());
    expect(agreedModes(p, "alexa", T, NOW).modes).toEqual(["on_request", "proactive"]);
    expect(agreedModes(p, "alexa", LOCK, NOW).modes).toEqual(["on_request"]);
    expect(agreedModes(p, "alexa", HUM, NOW).modes).toEqual([]);
  });
});

describe("reasons in words", () => {
  const ctx = { partnerName: "Alexa", category: T, mode: "proactive" as const, versionLabel: () => "v2" };
  it("has a plain sentence and a precise line for every reason code", () => {
    for (const code of Object.values(REASON)) {
      const r = { code, agreementVersionId: "x", clauseKey: "2.1", consentVersion: 3 };
      expect(explainForHomeowner(r, ctx)).not.toBe(code);
      expect(explainForLegal(r, ctx)).toBe(`${code} — Alexa · ${T} · proactive (agreement v2, clause 2.1; consent v3)`);
    }
    expect(WITHHOLDING_CODES.size).toBe(15);
  });

  it("describes modes the way a homeowner reads them", () => {
    expect(describeMode("Alexa", T, "on_request")).toBe("Alexa learns your temperature only when you ask");
    expect(describeMode("Alexa", T, "proactive")).toBe("Alexa learns your temperature whenever it changes");
    expect(explainForHomeowner({ code: REASON.MODE_NOT_AGREED, clauseKey: "2.1" }, ctx)).toBe(
      "The agreement lets Alexa learn your temperature only when you ask, not whenever it changes (clause 2.1).",
    );
  });
});
