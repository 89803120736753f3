// What the ledger's tests share: a decision as the worker seals one, and a transaction that is
// always rolled back (a tamper that only the check inside it sees).
import type { DecisionInsert } from "@proviso/audit";
import type { Executor } from "@proviso/db";
import type { TestDatabase } from "@proviso/db/testing";
import { stableId } from "@proviso/seed";

export const NOW = new Date("2026-11-24T12:00:00Z");

export const row = (i: number, outcome: "send" | "withhold"): DecisionInsert => ({
  homeId: stableId("home:0"),
  deviceId: stableId("device:0:0"),
  partnerId: "alexa",
  linkId: stableId("link:0:alexa"),
  categoryKey: "user.device.sensor.temperature",
  mode: "proactive",
  stage: "change",
  outcome,
  sentProperties: outcome === "send" ? { temperature: 20.5 + i } : null,
  reasons:
    outcome === "send"
      ? [
          { code: "ALLOWED_BY_CLAUSE", clauseKey: "2.1" },
          { code: "CONSENT_GRANTS", consentVersion: 1 },
        ]
      : [{ code: "CONSENT_OFF", consentVersion: 2 }],
  clauseKeys: ["2.1"],
  consentVersion: outcome === "send" ? 1 : 2,
  observedAt: new Date(NOW.getTime() + Math.floor(i / 2) * 1000),
  decidedAt: new Date(NOW.getTime() + Math.floor(i / 2) * 1000 + 3),
});

class Rollback extends Error {}

/** Runs `fn` in a transaction that is always rolled back: a tamper seen only by what `fn` checks. */
export async function rolledBack(t: TestDatabase, fn: (tx: Executor) => Promise<void>) {
  await t.db
    .transaction(async (tx) => {
      await fn(tx);
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
}
