// Each webhook partner's signing secrets (Standard Webhooks `whsec_` + base64 of 32 random bytes):
// made and rotated by the maker's operators (`npm run partners -- signing-secret`), the new one
// shown once. A rotation keeps the ones it replaces for an overlap window, during which every
// message is signed with each, so the partner can change its receiver at its own pace; the
// rotation is an entry on the audit chain (never the secret). The worker opens the current set.
import { appendAudit } from "@proviso/audit";
import { partnerSigningSecrets, partners, type Database, type Executor } from "@proviso/db";
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import { AppError } from "../errors";
import type { TokenCipher } from "../security/token-cipher";

export const DEFAULT_SIGNING_OVERLAP_HOURS = 24;
const boundTo = (partnerId: string, id: string) => `signing-secret:${partnerId}:${id}`;

export interface RotatedSecret {
  id: string;
  partnerId: string;
  /** Shown once: the partner's receiver verifies with it. */
  secret: string;
  /** Until when the secrets it replaced still sign (null: there were none). */
  previousRetireAt: Date | null;
}

/** Makes the partner a new current signing secret; the ones it replaces keep signing for `overlapHours`. */
export async function rotateSigningSecret(
  db: Database,
  cipher: TokenCipher,
  opts: { partnerId: string; overlapHours?: number; actorId?: string | null; now?: Date },
): Promise<RotatedSecret> {
  const now = opts.now ?? new Date();
  const overlapHours = opts.overlapHours ?? DEFAULT_SIGNING_OVERLAP_HOURS;
  if (!Number.isFinite(overlapHours) || overlapHours < 0 || overlapHours > 24 * 90)
    throw new AppError("INVALID", "the overlap is between 0 and 2160 hours (90 days)");
  return db.transaction(async (tx) => {
    const [partner] = await tx.select({ id: partners.id, adapter: partners.adapter }).from(partners).where(eq(partners.id, opts.partnerId));
    if (!partner) throw new AppError("NOT_FOUND", `no partner ${opts.partnerId}`);
    if (partner.adapter !== "webhook")
      throw new AppError("INVALID", `${opts.partnerId} is not a webhook partner: its platform authenticates Proviso its own way`);
    const retireAt = new Date(now.getTime() + overlapHours * 3_600_000);
    // Those still signing retire at the end of the overlap (never later than they already would).
    const replaced = await tx
      .update(partnerSigningSecrets)
      .set({ retiresAt: retireAt })
      .where(
        and(eq(partnerSigningSecrets.partnerId, opts.partnerId), or(isNull(partnerSigningSecrets.retiresAt), gt(partnerSigningSecrets.retiresAt, retireAt))),
      )
      .returning({ id: partnerSigningSecrets.id });
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const id = crypto.randomUUID();
    await tx
      .insert(partnerSigningSecrets)
      .values({ id, partnerId: opts.partnerId, secretSealed: cipher.encrypt(secret, boundTo(opts.partnerId, id)), hint: secret.slice(0, 10), createdAt: now });
    await appendAudit(
      tx,
      {
        actorId: opts.actorId ?? null,
        action: "partner.signing_secret_rotated",
        entityType: "partner",
        entityId: opts.partnerId,
        details: { secretId: id, hint: secret.slice(0, 10), replaced: replaced.map((r) => r.id), overlapHours },
      },
      now,
    );
    return { id, partnerId: opts.partnerId, secret, previousRetireAt: replaced.length ? retireAt : null };
  });
}

/** The secrets that sign the partner's messages at `now`, newest first (opened). */
export async function activeSigningSecrets(db: Executor, cipher: TokenCipher, partnerId: string, now: Date): Promise<string[]> {
  const rows = await db
    .select({ id: partnerSigningSecrets.id, sealed: partnerSigningSecrets.secretSealed })
    .from(partnerSigningSecrets)
    .where(and(eq(partnerSigningSecrets.partnerId, partnerId), or(isNull(partnerSigningSecrets.retiresAt), gt(partnerSigningSecrets.retiresAt, now))))
    .orderBy(desc(partnerSigningSecrets.createdAt));
  return rows.map((r) => cipher.decrypt(r.sealed, boundTo(partnerId, r.id)));
}

/** The partner's secrets as the portal and CLI list them: never the value. */
export async function listSigningSecrets(db: Executor, partnerId: string, now: Date) {
  const rows = await db
    .select({
      id: partnerSigningSecrets.id,
      hint: partnerSigningSecrets.hint,
      createdAt: partnerSigningSecrets.createdAt,
      retiresAt: partnerSigningSecrets.retiresAt,
    })
    .from(partnerSigningSecrets)
    .where(eq(partnerSigningSecrets.partnerId, partnerId))
    .orderBy(desc(partnerSigningSecrets.createdAt));
  return rows.map((r) => ({ ...r, state: r.retiresAt === null ? ("current" as const) : r.retiresAt > now ? ("retiring" as const) : ("retired" as const) }));
}

/** Ends the overlap now: only the current secret signs from here on (the partner has switched over). */
export async function retirePreviousSigningSecrets(db: Executor, partnerId: string, now: Date): Promise<number> {
  const done = await db
    .update(partnerSigningSecrets)
    .set({ retiresAt: now })
    .where(and(eq(partnerSigningSecrets.partnerId, partnerId), gt(partnerSigningSecrets.retiresAt, now)))
    .returning({ id: partnerSigningSecrets.id });
  return done.length;
}
