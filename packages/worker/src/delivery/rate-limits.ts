// The agreements' rate_limit clauses at delivery, as token buckets in the database (`rate_buckets`,
// migration 0021) that every worker draws on: one per partner for a clause across the integration
// and one per partner and home for a clause about one home. Kept in each process, as they were,
// two replicas could send twice what a clause allows between them.
//
// A delivery batch reserves, in one statement, a token for each message it claimed under each
// limit that applies (as many as the buckets have; a bucket refills at its clause's rate, up to a
// minute's worth), hands them out as its messages go (`Allowance.take`: every limit of a message
// or none), defers a message a limit holds back until that bucket will have a token, and gives
// back what it did not use (a message re-decision cancelled, one another limit held back).
//
// A partner's own limit is its 429 (too many requests): then every worker holds back from it
// until its Retry-After (`partner_holds`, migration 0022), not only the message that met it.
import { executePrepared, type Database, type Executor } from "@proviso/db";
import { rateLimits } from "@proviso/policy";
import { sql } from "drizzle-orm";
import type { World } from "@proviso/snapshot";

/** One bucket a message draws on. */
export interface Limit {
  key: string;
  perMinute: number;
}

/**
 * The buckets a message to `partnerId` about `homeId` draws on, under the version in force at
 * `now`: the integration's (the clause's limit or the platform's published quota, `platformPerMinute`,
 * whichever is stricter) and the home's.
 */
export function limitsOf(world: World, partnerId: string, homeId: string | null, now: number, platformPerMinute: number | null = null): Limit[] {
  const l = rateLimits(world.policy, partnerId, now);
  const out: Limit[] = [];
  const integration = l.integration === null ? platformPerMinute : platformPerMinute === null ? l.integration : Math.min(l.integration, platformPerMinute);
  if (integration !== null) out.push({ key: partnerId, perMinute: integration });
  if (l.perHome !== null && homeId !== null) out.push({ key: `${partnerId} ${homeId}`, perMinute: l.perHome });
  return out;
}

interface Bucket {
  perMinute: number;
  /** Tokens reserved for this batch and not yet handed out. */
  left: number;
  /** The bucket's tokens after the reservation (less than one where it ran out). */
  tokens: number;
  /** Messages held back so far: the next one held waits a token longer. */
  held: number;
}

/** A batch's reserved tokens, handed out a message at a time. */
export class Allowance {
  constructor(private readonly buckets: Map<string, Bucket>) {}

  /**
   * A token from each of `limits` (0), or, where any of them has none left, none at all and the ms
   * until the emptiest will have one for this message (the messages it held back before it wait
   * their turn first).
   */
  take(limits: readonly Limit[]): number {
    let wait = 0;
    for (const l of limits) {
      const b = this.buckets.get(l.key);
      if (b === undefined || b.left < 1) {
        const tokens = b?.tokens ?? 0;
        const held = b?.held ?? 0;
        wait = Math.max(wait, Math.ceil(((held + 1 - tokens) * 60_000) / l.perMinute));
      }
    }
    if (wait > 0) {
      for (const l of limits) {
        const b = this.buckets.get(l.key);
        if (b !== undefined && b.left < 1) b.held++;
      }
      return wait;
    }
    for (const l of limits) this.buckets.get(l.key)!.left--;
    return 0;
  }

  /** What was reserved and not handed out, per bucket. */
  unused(): { key: string; n: number }[] {
    const out: { key: string; n: number }[] = [];
    for (const [key, b] of this.buckets) if (b.left >= 1) out.push({ key, n: Math.floor(b.left) });
    return out;
  }
}

/**
 * Reserves a token per message for each bucket `wanted` names (one statement; none for no limits).
 * A bucket seen for the first time starts full; an existing one refills for the time since it was
 * last drawn on (another worker's clock behind never takes time back). Workers reserving from the
 * same buckets take turns (`withBucketLocks`).
 */
export async function reserveTokens(db: Database, wanted: readonly Limit[], now: number): Promise<Allowance> {
  const counts = new Map<string, Limit & { n: number }>();
  for (const l of wanted) {
    const c = counts.get(l.key);
    if (c) c.n++;
    else counts.set(l.key, { ...l, n: 1 });
  }
  const buckets = new Map<string, Bucket>();
  if (counts.size === 0) return new Allowance(buckets);
  const list = [...counts.values()];
  const at = new Date(now).toISOString();
  const refill = sql`least(w.per_minute, b.tokens + greatest(0, extract(epoch from (${at}::timestamptz - b.at))) * w.per_minute / 60)`;
  const r = await withBucketLocks(
    db,
    list.map((l) => l.key),
    (tx) =>
      executePrepared<{ key: string; granted: number; tokens: number }>(
        tx,
        sql`
      with w as (select * from unnest(${sql.param(list.map((l) => l.key))}::text[], ${sql.param(list.map((l) => l.perMinute))}::float8[], ${sql.param(list.map((l) => l.n))}::int[]) as w(key, per_minute, n)),
      fresh as (
        insert into rate_buckets (key, per_minute, tokens, granted, at)
        select key, per_minute, per_minute - least(n, floor(per_minute)), least(n, floor(per_minute)), ${at}::timestamptz from w
        on conflict (key) do nothing
        returning key, granted, tokens),
      drawn as (
        update rate_buckets b
           set granted = least(w.n, floor(${refill})), tokens = ${refill} - least(w.n, floor(${refill})),
               per_minute = w.per_minute, at = greatest(b.at, ${at}::timestamptz)
          from w where b.key = w.key
        returning b.key, b.granted, b.tokens)
      select key, granted, tokens from fresh union all select key, granted, tokens from drawn`,
      ),
  );
  for (const row of r.rows) {
    buckets.set(row.key, { perMinute: counts.get(row.key)!.perMinute, left: Number(row.granted), tokens: Number(row.tokens), held: 0 });
  }
  return new Allowance(buckets);
}

/** Gives back what a batch reserved and did not use (its buckets refilled meanwhile: never past a minute's worth). */
export async function returnTokens(db: Database, allowance: Allowance): Promise<void> {
  const unused = allowance.unused();
  if (unused.length === 0) return;
  await withBucketLocks(
    db,
    unused.map((u) => u.key),
    (tx) =>
      executePrepared(
        tx,
        sql`update rate_buckets b set tokens = least(b.per_minute, b.tokens + u.n)
            from unnest(${sql.param(unused.map((u) => u.key))}::text[], ${sql.param(unused.map((u) => u.n))}::int[]) as u(key, n)
           where b.key = u.key`,
      ),
  );
}

/** The advisory-lock class of rate buckets ('PROV'): a bucket's lock is this and its key's hash. */
const BUCKET_LOCKS = 0x50524f56;

/**
 * Runs `fn` in a transaction that first takes the advisory locks of `keys`' buckets, in the order
 * of their lock ids: every worker takes them in that one order, so two reservations sharing
 * buckets queue rather than each holding a row the other waits for (two statements locking the
 * same rows in different orders deadlock). A short transaction, never left open.
 */
function withBucketLocks<T>(db: Database, keys: readonly string[], fn: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await executePrepared(
      tx,
      sql`select pg_advisory_xact_lock(${BUCKET_LOCKS}::int, h)
            from (select distinct hashtext(k) as h from unnest(${sql.param([...keys])}::text[]) as u(k) order by h) s`,
    );
    return fn(tx);
  });
}

/**
 * Drops the homes' buckets that have refilled by `now` (one made afresh is the same): a bucket per
 * home a partner hears about would otherwise stay forever. A partner's own bucket stays (there are
 * a few). Returns how many went.
 */
export async function forgetFullBuckets(db: Database, now: number): Promise<number> {
  // Rows a reservation has locked are skipped (it is drawing on them): nothing waits on anything.
  const r = await db.execute(
    sql`delete from rate_buckets where key in (
          select key from rate_buckets
           where strpos(key, ' ') > 0
             and tokens + greatest(0, extract(epoch from (${new Date(now).toISOString()}::timestamptz - at))) * per_minute / 60 >= per_minute
             for update skip locked)`,
  );
  return r.rowCount ?? 0;
}

/** A partner answered 429: no worker sends it anything before `until` (a shorter hold never cuts a longer one short). */
export async function holdPartner(db: Database, partnerId: string, until: number, reason: string, now: number): Promise<void> {
  await db.execute(sql`
    insert into partner_holds (partner_id, until, reason, at) values (${partnerId}, ${new Date(until).toISOString()}::timestamptz, ${reason}, ${new Date(now).toISOString()}::timestamptz)
    on conflict (partner_id) do update set until = greatest(partner_holds.until, excluded.until), reason = excluded.reason, at = excluded.at`);
}
