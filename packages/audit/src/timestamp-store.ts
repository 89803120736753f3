// Checkpoints time-stamped by the configured Time-Stamp Authorities (RFC 3161): each token is kept
// beside its checkpoint (append-only), and a TSA that was down is asked again at the next pass.
// Verification checks every token against its TSA's certificate, and each checkpoint's time against
// the first token's: a history forged later (even signed with a stolen key) cannot get tokens dated
// when it claims to have been signed.
import { auditCheckpointTimestamps, auditCheckpoints, type Executor } from "@proviso/db";
import { asc, desc, gte, inArray } from "drizzle-orm";
import { checkpointMessage, toExport, type CheckpointExport } from "./checkpoint-format";
import fs from "node:fs";
import { certificateDer, requestTimestamp, timestampDigest, verifyTimestamp } from "./timestamp";

export interface TimestampAuthority {
  /** Where its RFC 3161 endpoint answers (application/timestamp-query). */
  url: string;
  /** Its certificate (DER), the only one its tokens are checked against. */
  certificateDer: Uint8Array;
}

/** The authorities the settings name: AUDIT_TSA_URLS and, in the same order, AUDIT_TSA_CERTS (PEM files). */
export function timestampAuthoritiesFromSettings(env: { AUDIT_TSA_URLS?: string; AUDIT_TSA_CERTS?: string }): TimestampAuthority[] {
  const urls = (env.AUDIT_TSA_URLS ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  const certs = (env.AUDIT_TSA_CERTS ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  if (urls.length !== certs.length)
    throw new Error(
      `AUDIT_TSA_URLS names ${urls.length} time-stamp authorities and AUDIT_TSA_CERTS ${certs.length} certificates: give one certificate file per URL`,
    );
  return urls.map((url, i) => {
    try {
      return { url, certificateDer: certificateDer(fs.readFileSync(certs[i]!, "utf8")) };
    } catch (err) {
      throw new Error(`AUDIT_TSA_CERTS: cannot read the certificate of ${url} from ${certs[i]}: ${(err as Error).message}`);
    }
  });
}

/** How far a TSA's time may be before the time a checkpoint says it was signed (clocks drift). */
export const TIMESTAMP_SKEW_MS = 5 * 60_000;
/** How long after its signing a checkpoint may first be stamped (a TSA down for a while) before it reads as backdated. */
export const MAX_STAMP_DELAY_MS = 24 * 3_600_000;

const digestOf = (cp: CheckpointExport) => timestampDigest(checkpointMessage(cp), cp.signature);

/**
 * Time-stamps, at every authority, the checkpoints it has not stamped yet among those signed within
 * MAX_STAMP_DELAY_MS (however many a long outage left behind; later a stamp would read as
 * backdated), oldest first; or only the newest (`newestOnly`). What failed, per authority.
 */
export async function stampCheckpoints(
  db: Executor,
  authorities: readonly TimestampAuthority[],
  opts: { now?: Date; newestOnly?: boolean } = {},
): Promise<{ stamped: number; errors: string[] }> {
  if (authorities.length === 0) return { stamped: 0, errors: [] };
  const since = new Date((opts.now ?? new Date()).getTime() - MAX_STAMP_DELAY_MS);
  const rows = opts.newestOnly
    ? await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.uptoSeq), desc(auditCheckpoints.id)).limit(1)
    : await db.select().from(auditCheckpoints).where(gte(auditCheckpoints.createdAt, since)).orderBy(asc(auditCheckpoints.id)).limit(2_000);
  const cps = rows.map(toExport);
  if (cps.length === 0) return { stamped: 0, errors: [] };
  const have = await db
    .select({ checkpointId: auditCheckpointTimestamps.checkpointId, authority: auditCheckpointTimestamps.authority })
    .from(auditCheckpointTimestamps)
    .where(
      inArray(
        auditCheckpointTimestamps.checkpointId,
        cps.map((c) => c.id),
      ),
    );
  const done = new Set(have.map((h) => `${h.checkpointId} ${h.authority}`));
  let stamped = 0;
  const errors: string[] = [];
  for (const tsa of authorities) {
    for (const cp of cps.filter((c) => !done.has(`${c.id} ${tsa.url}`))) {
      try {
        const { token, verified } = await requestTimestamp(tsa.url, digestOf(cp), tsa.certificateDer);
        await db
          .insert(auditCheckpointTimestamps)
          .values({ checkpointId: cp.id, authority: tsa.url, token: token.toString("base64"), stampedAt: verified.genTime });
        stamped++;
      } catch (err) {
        errors.push(`${tsa.url}: ${(err as Error).message}`);
        break; // this authority is down or refusing: the next pass asks again
      }
    }
  }
  return { stamped, errors };
}

/**
 * Each checkpoint's tokens: from a configured authority, valid for the checkpoint's digest, and not
 * earlier than the checkpoint says it was signed (beyond the skew). With `requireOlderThan`, a
 * checkpoint signed before then without any valid token is a failure too. Returns what is wrong, or null.
 */
export async function checkTimestamps(
  db: Executor,
  cps: readonly CheckpointExport[],
  o: { authorities: readonly TimestampAuthority[]; requireOlderThan?: Date; maxDelayMs?: number },
): Promise<{ seq: number; message: string } | { stamped: number }> {
  const rows = cps.length
    ? await db
        .select()
        .from(auditCheckpointTimestamps)
        .where(
          inArray(
            auditCheckpointTimestamps.checkpointId,
            cps.map((c) => c.id),
          ),
        )
    : [];
  const byUrl = new Map(o.authorities.map((a) => [a.url, a]));
  let stamped = 0;
  for (const cp of cps) {
    let first: Date | null = null;
    for (const row of rows.filter((r) => r.checkpointId === cp.id)) {
      const tsa = byUrl.get(row.authority);
      if (!tsa) continue; // an authority no longer configured: its tokens are not evidence here
      let genTime: Date;
      try {
        genTime = (await verifyTimestamp(Buffer.from(row.token, "base64"), digestOf(cp), tsa.certificateDer)).genTime;
      } catch (err) {
        return { seq: cp.uptoSeq, message: `checkpoint ${cp.id}: the ${row.authority} ${(err as Error).message}` };
      }
      if (genTime.getTime() < new Date(cp.createdAt).getTime() - TIMESTAMP_SKEW_MS)
        return {
          seq: cp.uptoSeq,
          message: `checkpoint ${cp.id} says it was signed at ${cp.createdAt}, but ${row.authority} stamped it at ${genTime.toISOString()}`,
        };
      if (!first || genTime < first) first = genTime;
    }
    if (first && first.getTime() > new Date(cp.createdAt).getTime() + (o.maxDelayMs ?? MAX_STAMP_DELAY_MS))
      return {
        seq: cp.uptoSeq,
        message: `checkpoint ${cp.id} says it was signed at ${cp.createdAt}, but was first time-stamped at ${first.toISOString()}: made later and backdated?`,
      };
    if (first) stamped++;
    else if (o.requireOlderThan && new Date(cp.createdAt) < o.requireOlderThan)
      return { seq: cp.uptoSeq, message: `checkpoint ${cp.id} (signed ${cp.createdAt}) has no time-stamp from a trusted authority` };
  }
  return { stamped };
}
