// A home's data and its full sharing history, for the homeowner to take away: JSON (everything)
// or CSV (the ledger). Scoped by membership like every other home read.
import { toCsv } from "../csv";
import { consents, decisions, devices, homes, partnerLinks, partners, stateEvents, type Executor } from "@proviso/db";
import { asc, eq } from "drizzle-orm";
import { explain, ledgerColumns } from "./home-ledger";
import { assertMember } from "./home-sharing";
import { listDeletionRequests } from "./unlink-partner";

export async function exportHomeData(db: Executor, opts: { userId: string; homeId: string }) {
  await assertMember(db, opts.userId, opts.homeId);
  const [home] = await db.select().from(homes).where(eq(homes.id, opts.homeId));
  const [deviceRows, linkRows, consentRows, decisionRows, deletionRows] = await Promise.all([
    db.select({ id: devices.id, name: devices.name, room: devices.room, serial: devices.serial }).from(devices).where(eq(devices.homeId, opts.homeId)),
    db
      .select({ partner: partners.name, status: partnerLinks.status, linkedAt: partnerLinks.linkedAt, endedAt: partnerLinks.endedAt })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(eq(partnerLinks.homeId, opts.homeId)),
    db
      .select({ partnerId: consents.partnerId, category: consents.categoryKey, mode: consents.mode, version: consents.version, setAt: consents.setAt })
      .from(consents)
      .where(eq(consents.homeId, opts.homeId))
      .orderBy(asc(consents.partnerId), asc(consents.categoryKey), asc(consents.version)),
    db
      .select({ ...ledgerColumns, partnerName: partners.name, deviceName: devices.name, cause: stateEvents.cause })
      .from(decisions)
      .innerJoin(partners, eq(partners.id, decisions.partnerId))
      .innerJoin(devices, eq(devices.id, decisions.deviceId))
      .leftJoin(stateEvents, eq(stateEvents.id, decisions.stateEventId))
      .where(eq(decisions.homeId, opts.homeId))
      .orderBy(asc(decisions.decidedAt), asc(decisions.id)),
    listDeletionRequests(db, opts),
  ]);
  return {
    exportedAt: new Date().toISOString(),
    home: { id: home!.id, name: home!.name, region: home!.region, timezone: home!.timezone },
    devices: deviceRows,
    links: linkRows,
    consentHistory: consentRows,
    deletionRequests: deletionRows,
    // Each with what the page says: why the device reported and, in plain words, why it was
    // shared or not.
    decisions: decisionRows.map((d) => ({ ...d, why: explain(d.reasons, d.partnerName, d.category, d.mode === "proactive" ? "proactive" : "on_request") })),
  };
}

// New columns go at the end, so a spreadsheet built on an earlier export keeps its columns.
const CSV_COLUMNS = [
  "decided_at",
  "observed_at",
  "partner",
  "device_id",
  "category",
  "mode",
  "stage",
  "outcome",
  "sent",
  "reasons",
  "clauses",
  "consent_version",
  "partner_name",
  "device",
  "cause",
  "why",
] as const;

/** The ledger as CSV: one line per decision. */
export function ledgerCsv(data: Awaited<ReturnType<typeof exportHomeData>>): string {
  return toCsv(
    CSV_COLUMNS,
    data.decisions.map((d) => [
      d.decidedAt,
      d.observedAt,
      d.partnerId,
      d.deviceId,
      d.category,
      d.mode,
      d.stage,
      d.outcome,
      d.sent,
      d.reasons.map((r) => r.code).join(" "),
      d.clauseKeys.join(" "),
      d.consentVersion,
      d.partnerName,
      d.deviceName,
      // A partner's request has no state event: the cause is theirs.
      d.cause ?? (d.stage === "request" ? "partner request" : ""),
      d.why,
    ]),
  );
}
