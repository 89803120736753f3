import type { ClauseTerms } from "@proviso/domain";
import { describe, expect, it } from "vitest";
import { computeRedline, type ClauseView } from "./redline";

const T = "user.device.sensor.temperature";
const clause = (clauseKey: string, terms: Partial<Extract<ClauseTerms, { kind: "data_share" }>> = {}, text = "Text."): ClauseView => ({
  clauseKey,
  kind: "data_share",
  title: `Clause ${clauseKey}`,
  legalText: text,
  terms: {
    kind: "data_share",
    category: T,
    modes: ["on_request"],
    purposes: ["functional.service.fulfil_request"],
    retentionDays: 30,
    minimisation: {},
    optInRequired: true,
    ...terms,
  } as ClauseTerms,
});

describe("computeRedline", () => {
  it("pairs clauses by key and reports added, removed, changed and unchanged", () => {
    const redline = computeRedline(
      [clause("2.1"), clause("2.2"), clause("2.10")],
      [clause("2.1"), clause("2.10", { modes: ["proactive", "on_request"], minimisation: { roundTo: 1 } }), clause("2.6")],
    );
    expect(redline.map((r) => [r.clauseKey, r.change])).toEqual([
      ["2.1", "unchanged"],
      ["2.2", "removed"],
      ["2.6", "added"],
      ["2.10", "changed"],
    ]);
    expect(redline[3]!.termChanges).toEqual([
      { path: "minimisation.roundTo", before: null, after: 1 },
      { path: "modes", before: ["on_request"], after: ["on_request", "proactive"] },
    ]);
  });

  it("notices a change to the legal text alone", () => {
    const [entry] = computeRedline([clause("1.1")], [clause("1.1", {}, "New text.")]);
    expect(entry).toMatchObject({ change: "changed", textChanged: true, termChanges: [] });
  });

  it("does not count a reordered list as a change", () => {
    const [entry] = computeRedline([clause("2.1", { modes: ["on_request", "proactive"] })], [clause("2.1", { modes: ["proactive", "on_request"] })]);
    expect(entry!.change).toBe("unchanged");
  });
});
