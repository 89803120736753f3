import { describe, expect, it } from "vitest";
import { plainAgreementSummary } from "./explain";

describe("an agreement in plain words", () => {
  it("says what may be learnt, when, why, for how long and with what limits; leaves out the maker's business", () => {
    const lines = plainAgreementSummary("Amazon Alexa", [
      {
        clauseKey: "2.1",
        terms: {
          kind: "data_share",
          category: "user.device.sensor.temperature",
          modes: ["on_request"],
          purposes: ["functional.service.fulfil_request"],
          retentionDays: 30,
          minimisation: { roundTo: 0.5 },
          optInRequired: true,
        },
      },
      {
        clauseKey: "2.2",
        terms: {
          kind: "data_share",
          category: "user.device.sensor.occupancy",
          modes: ["on_request", "proactive"],
          purposes: ["functional.service.automation", "analytics.product_improvement"],
          retentionDays: null,
          minimisation: {},
          optInRequired: true,
          requiresCertification: "wwa",
        },
      },
      {
        clauseKey: "3.1",
        terms: {
          kind: "certification_requirement",
          programme: "wwa",
          models: ["T1"],
          demands: { categories: ["user.device.sensor.lock_state"], mode: "proactive" },
          consequence: "withdraw_from_discovery",
        },
      },
      {
        clauseKey: "4.1",
        terms: { kind: "retail_listing_dependency", channel: "amazon-us", skus: ["S1"], dependsOnClauseKeys: ["2.2"], consequence: "delisting" },
      },
      { clauseKey: "5.1", terms: { kind: "deletion_on_unlink", deadlineDays: 30 } },
      { clauseKey: "6.1", terms: { kind: "rate_limit", maxPerMinute: 60, scope: "home" } },
    ]);
    expect(lines.map((l) => l.clauseKey)).toEqual(["2.1", "2.2", "3.1", "5.1", "6.1"]);
    expect(lines[0]!.text).toBe(
      "Amazon Alexa may learn your temperature only when you ask, to answer what you ask, and only if you turn it on. It may keep it for 30 days. Limits: values are rounded to the nearest 0.5.",
    );
    expect(lines[1]!.text).toContain("when you ask, or whenever it changes if you choose, to run your routines and to improve its products");
    expect(lines[1]!.text).toContain("The agreement does not limit how long it may keep it.");
    expect(lines[1]!.text).toContain("Only while your device is certified (wwa).");
    expect(lines[2]!.text).toBe("If a device model loses its wwa certification, Amazon Alexa no longer sees it.");
    expect(lines[3]!.text).toBe("If you unlink Amazon Alexa, it must delete what it received about your home within 30 days.");
    expect(lines[4]!.text).toBe("Amazon Alexa receives at most 60 updates a minute about your home.");
  });
});
