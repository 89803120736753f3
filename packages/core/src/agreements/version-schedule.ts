// The scheduler's part: approved versions become active on their effective date and supersede the
// one before; versions past their expiry expire. And termination, by hand.
import { agreementVersions, type Database } from "@proviso/db";
import { and, eq, inArray, isNotNull, lte, ne } from "drizzle-orm";
import { AppError } from "../errors";
import { transitionVersion } from "./version-events";

export interface ScheduleResult {
  activated: string[];
  superseded: string[];
  expired: string[];
}

/** Idempotent: run it as often as you like; each version moves once. */
export async function activateDueVersions(db: Database, now: Date): Promise<ScheduleResult> {
  const result: ScheduleResult = { activated: [], superseded: [], expired: [] };
  const due = await db
    .select()
    .from(agreementVersions)
    .where(and(eq(agreementVersions.status, "approved"), lte(agreementVersions.effectiveFrom, now)))
    .orderBy(agreementVersions.effectiveFrom);
  for (const v of due) {
    await db.transaction(async (tx) => {
      const previous = await tx
        .select()
        .from(agreementVersions)
        .where(and(eq(agreementVersions.agreementId, v.agreementId), eq(agreementVersions.status, "active"), ne(agreementVersions.id, v.id)));
      for (const p of previous) {
        await transitionVersion(tx, {
          versionId: p.id,
          from: ["active"],
          to: "superseded",
          actorId: null,
          note: `Superseded by v${v.version}`,
          at: v.effectiveFrom!,
          set: { endedAt: v.effectiveFrom },
        });
        result.superseded.push(p.id);
      }
      await transitionVersion(tx, {
        versionId: v.id,
        from: ["approved"],
        to: "active",
        actorId: null,
        note: "Effective date reached",
        at: v.effectiveFrom!,
        set: { activatedAt: v.effectiveFrom },
      });
      result.activated.push(v.id);
    });
  }
  const lapsed = await db
    .select()
    .from(agreementVersions)
    .where(and(inArray(agreementVersions.status, ["active", "approved"]), isNotNull(agreementVersions.expiresAt), lte(agreementVersions.expiresAt, now)));
  for (const v of lapsed) {
    await db.transaction((tx) =>
      transitionVersion(tx, {
        versionId: v.id,
        from: ["active", "approved"],
        to: "expired",
        actorId: null,
        note: "Expiry date reached",
        at: v.expiresAt!,
        set: { endedAt: v.expiresAt },
      }),
    );
    result.expired.push(v.id);
  }
  return result;
}

/** Ends an active (or approved, not yet active) version now; nothing more is shared under it. */
export async function terminateVersion(db: Database, opts: { versionId: string; userId: string; reason: string; at?: Date }) {
  const reason = opts.reason.trim();
  if (!reason) throw new AppError("INVALID", "Say why it is terminated", { reason: ["A termination needs a reason"] });
  const at = opts.at ?? new Date();
  return db.transaction((tx) =>
    transitionVersion(tx, {
      versionId: opts.versionId,
      from: ["active", "approved"],
      to: "terminated",
      actorId: opts.userId,
      note: reason,
      at,
      set: { endedAt: at },
    }),
  );
}
