// Device credentials and ingest clients: issued (the secret shown once, only its hash kept),
// rotated (the old one kept for a grace period), revoked (at once), and checked. The broker holds
// its own copy for MQTT (Mosquitto's dynamic security, or the embedded broker's stand-in): `grants`
// gives it the new secret while it is still in hand, and takes revoked ones away.
import { appendAudit } from "@proviso/audit";
import { deviceCredentials, devices, ingestClients, type Executor } from "@proviso/db";
import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { secretHash } from "../linking/secrets";
import { AppError } from "../errors";

/** A credential as issued: shown once. MQTT: client id and username `keyId`, password `secret`. HTTP: `Bearer <token>`. */
export interface IssuedCredential {
  keyId: string;
  secret: string;
  /** `<keyId>.<secret>`, the HTTP bearer token. */
  token: string;
}

export interface DeviceCredential extends IssuedCredential {
  deviceId: string;
}

/** What the broker is told, for MQTT (null where the product runs without a broker to tell). */
export interface BrokerGrants {
  grant(credential: DeviceCredential): Promise<void>;
  revoke(keyIds: readonly string[]): Promise<void>;
}

/** Rotated credentials keep working this long, so a device can take up the new one. */
export const DEFAULT_GRACE_SECONDS = 24 * 3600;

const newKey = (prefix: "dk_" | "ic_") => `${prefix}${randomBytes(16).toString("hex").slice(0, 20)}`;
function newCredential(prefix: "dk_" | "ic_"): IssuedCredential & { secretHash: string } {
  const keyId = newKey(prefix);
  const secret = randomBytes(32).toString("base64url");
  return { keyId, secret, token: `${keyId}.${secret}`, secretHash: secretHash(secret) };
}

/** Issues a device a credential (its first, or another beside those it has). */
export async function issueDeviceCredential(
  db: Executor,
  deviceId: string,
  opts: { grants?: BrokerGrants | null; actorId?: string | null } = {},
): Promise<DeviceCredential> {
  const [device] = await db.select({ id: devices.id }).from(devices).where(eq(devices.id, deviceId));
  if (!device) throw new AppError("NOT_FOUND", `no device ${deviceId}`);
  const c = newCredential("dk_");
  const issued = { deviceId, keyId: c.keyId, secret: c.secret, token: c.token };
  // The broker first: a credential the database holds but the broker refused would not work on MQTT.
  await opts.grants?.grant(issued);
  await db.transaction(async (tx) => {
    await tx.insert(deviceCredentials).values({ deviceId, keyId: c.keyId, secretHash: c.secretHash });
    await appendAudit(tx, {
      actorId: opts.actorId ?? null,
      action: "device.credential_issued",
      entityType: "device",
      entityId: deviceId,
      details: { keyId: c.keyId },
    });
  });
  return issued;
}

/** A new credential for the device; those it had keep working for `graceSeconds` more. */
export async function rotateDeviceCredential(
  db: Executor,
  deviceId: string,
  opts: { grants?: BrokerGrants | null; graceSeconds?: number; now?: Date; actorId?: string | null } = {},
): Promise<DeviceCredential & { previousUntil: Date }> {
  const now = opts.now ?? new Date();
  const until = new Date(now.getTime() + (opts.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000);
  const issued = await issueDeviceCredential(db, deviceId, opts);
  await db
    .update(deviceCredentials)
    .set({ expiresAt: until })
    .where(
      and(
        eq(deviceCredentials.deviceId, deviceId),
        isNull(deviceCredentials.revokedAt),
        sql`${deviceCredentials.keyId} <> ${issued.keyId}`,
        or(isNull(deviceCredentials.expiresAt), gt(deviceCredentials.expiresAt, until)),
      ),
    );
  return { ...issued, previousUntil: until };
}

/** Ends a device's credentials at once (all of them, or the one named): on MQTT it is disconnected. */
export async function revokeDeviceCredentials(
  db: Executor,
  deviceId: string,
  opts: { keyId?: string; grants?: BrokerGrants | null; now?: Date; actorId?: string | null } = {},
): Promise<string[]> {
  const now = opts.now ?? new Date();
  const revoked = await db.transaction(async (tx) => {
    const rows = await tx
      .update(deviceCredentials)
      .set({ revokedAt: now })
      .where(
        and(
          eq(deviceCredentials.deviceId, deviceId),
          isNull(deviceCredentials.revokedAt),
          or(isNull(deviceCredentials.expiresAt), gt(deviceCredentials.expiresAt, now)),
          opts.keyId ? eq(deviceCredentials.keyId, opts.keyId) : undefined,
        ),
      )
      .returning({ keyId: deviceCredentials.keyId });
    if (rows.length) {
      await appendAudit(tx, {
        actorId: opts.actorId ?? null,
        action: "device.credential_revoked",
        entityType: "device",
        entityId: deviceId,
        details: { keyIds: rows.map((r) => r.keyId) },
      });
    }
    return rows.map((r) => r.keyId);
  });
  if (revoked.length) await opts.grants?.revoke(revoked);
  return revoked;
}

/** An ingest client: a bearer token that may speak for the devices of `homeIds` (null: every device). */
export async function issueIngestClient(
  db: Executor,
  opts: { name: string; homeIds: string[] | null; actorId?: string | null },
): Promise<IssuedCredential & { id: string }> {
  const c = newCredential("ic_");
  const [row] = await db
    .insert(ingestClients)
    .values({ name: opts.name, keyId: c.keyId, secretHash: c.secretHash, homeIds: opts.homeIds })
    .returning({ id: ingestClients.id });
  return { id: row!.id, keyId: c.keyId, secret: c.secret, token: c.token };
}

export async function revokeIngestClient(db: Executor, keyId: string, now = new Date()): Promise<boolean> {
  const rows = await db
    .update(ingestClients)
    .set({ revokedAt: now })
    .where(and(eq(ingestClients.keyId, keyId), isNull(ingestClients.revokedAt)))
    .returning({ id: ingestClients.id });
  return rows.length > 0;
}

/** Who a bearer token speaks for: one device, some homes' devices, or every device. */
export type Speaker = { kind: "device"; keyId: string; deviceId: string } | { kind: "client"; keyId: string; homeIds: readonly string[] | null };

/** The speaker a bearer token stands for, or why not (a sentence for the 401). */
export async function authenticateBearer(db: Executor, header: string | undefined, now = new Date()): Promise<Speaker | { refused: string }> {
  if (!header?.startsWith("Bearer ")) return { refused: "a bearer token is required (a device credential or an ingest client's)" };
  const token = header.slice(7).trim();
  const dot = token.indexOf(".");
  const keyId = dot > 0 ? token.slice(0, dot) : "";
  const secret = dot > 0 ? token.slice(dot + 1) : "";
  if (!/^(dk|ic)_[a-z0-9]{20}$/.test(keyId) || !secret) return { refused: "the bearer token is not a Proviso credential" };
  const found = keyId.startsWith("dk_")
    ? (await db.select().from(deviceCredentials).where(eq(deviceCredentials.keyId, keyId)))[0]
    : (await db.select().from(ingestClients).where(eq(ingestClients.keyId, keyId)))[0];
  const refused = { refused: "the credential is unknown, revoked or expired" };
  if (!found || !sameHash(found.secretHash, secretHash(secret))) return refused;
  if (found.revokedAt || (found.expiresAt && found.expiresAt <= now)) return refused;
  return "deviceId" in found ? { kind: "device", keyId, deviceId: found.deviceId } : { kind: "client", keyId, homeIds: found.homeIds ?? null };
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Key ids of device credentials that work now (for the broker's reconciliation). */
export async function activeDeviceKeyIds(db: Executor, now = new Date()): Promise<Set<string>> {
  const rows = await db
    .select({ keyId: deviceCredentials.keyId })
    .from(deviceCredentials)
    .where(and(isNull(deviceCredentials.revokedAt), or(isNull(deviceCredentials.expiresAt), gt(deviceCredentials.expiresAt, now))));
  return new Set(rows.map((r) => r.keyId));
}

/** Credentials for many devices at once (the seed's fleet, a factory batch): one statement, one audit entry. */
export async function issueFleetCredentials(db: Executor, deviceIds: readonly string[], opts: { actorId?: string | null } = {}): Promise<DeviceCredential[]> {
  const issued = deviceIds.map((deviceId) => ({ deviceId, ...newCredential("dk_") }));
  await db.transaction(async (tx) => {
    for (let i = 0; i < issued.length; i += 5_000) {
      await tx.insert(deviceCredentials).values(issued.slice(i, i + 5_000).map((c) => ({ deviceId: c.deviceId, keyId: c.keyId, secretHash: c.secretHash })));
    }
    if (issued.length) {
      await appendAudit(tx, {
        actorId: opts.actorId ?? null,
        action: "device.credentials_issued",
        entityType: "fleet",
        entityId: "devices",
        details: { count: issued.length },
      });
    }
  });
  return issued.map(({ deviceId, keyId, secret, token }) => ({ deviceId, keyId, secret, token }));
}
