// The scheduler: time-driven changes that must happen whether or not anyone is looking: agreement
// versions becoming active on their effective date (superseding the previous one) and expiring on
// their expiry date, alerts before certifications expire and demand deadlines pass, deletion
// requests past their deadline unconfirmed marked overdue, and a signed
// checkpoint of the audit chain at a fixed interval (and a verification of what came since the last
// one found good); on the embedded database, which runs no
// autovacuum, a VACUUM of the tables rewritten all day. Each tick is idempotent, so several workers
// may run it. It also runs the what-if replays requested in the portal, in the background.
import { keyring, readWitnesses, type Keyring, type Signer, type TimestampAuthority, type Witness } from "@proviso/audit";
import { activateDueVersions, claimReplayJob, claimVerification, markOverdueDeletions, raiseDueAlerts, runReplayJob, runVerification } from "@proviso/core";
import { vacuumChurningTables, type Database } from "@proviso/db";
import { signCheckpoint, verifyTick } from "./checkpoint";

export interface SchedulerOptions {
  intervalMs: number;
  now?: () => Date;
  signer?: Signer | null;
  /** The keys verification trusts (the signer's when not given). */
  trusted?: Keyring;
  /** Time-stamp authorities that stamp each checkpoint (asked again while one is down). */
  timestampAuthorities?: readonly TimestampAuthority[];
  /** Witnesses that hold every checkpoint outside the database. */
  witnesses?: readonly Witness[];
  checkpointIntervalMs?: number;
  /** A checkpoint the signer refused, or a scheduled verification that failed. */
  onIntegrityFailure?: (what: "checkpoint_refused" | "verification_failed") => void;
  /** How often the chain is verified from the last checkpoint found good (null: never on a schedule). */
  verifyIntervalMs?: number | null;
  /** How often that verification is a whole one instead (what a mark cannot vouch for), counted from start-up. */
  wholeVerifyIntervalMs?: number | null;
  replayPollMs?: number;
  /** The embedded database runs no autovacuum: vacuum the churning tables this often (ms). */
  vacuumIntervalMs?: number | null;
  /** What it did, for the log (console by default). */
  info?: (message: string) => void;
  warn?: (subsystem: string, err: Error) => void;
}

export function startScheduler(db: Database, opts: SchedulerOptions) {
  const now = opts.now ?? (() => new Date());
  const trusted = opts.trusted ?? keyring([opts.signer?.publicKey]);
  const info = opts.info ?? ((m: string) => console.log(m));
  const warn = opts.warn ?? ((subsystem: string, err: Error) => console.error(`${subsystem}: ${err.message}`));
  let running: Promise<void> | null = null;
  let lastCheckpoint = 0;
  let lastVerify = 0;
  let lastWholeVerify = Date.now();
  const evidence = { trusted, witnesses: opts.witnesses ?? [], authorities: opts.timestampAuthorities ?? [] };
  let lastVacuum = 0;
  const work = async () => {
    const r = await activateDueVersions(db, now());
    for (const id of r.activated) info(`agreement version ${id} is now active`);
    for (const id of r.superseded) info(`agreement version ${id} superseded`);
    for (const id of r.expired) info(`agreement version ${id} expired`);
    const raised = await raiseDueAlerts(db, now());
    if (raised) info(`${raised} alert(s) raised (certification expiry, demand deadlines)`);
    const overdue = await markOverdueDeletions(db, now());
    if (overdue) info(`${overdue} deletion request(s) overdue: past their deadline unconfirmed`);
    if (opts.signer && Date.now() - lastCheckpoint >= (opts.checkpointIntervalMs ?? 300_000)) {
      lastCheckpoint = Date.now();
      await signCheckpoint(db, { ...evidence, signer: opts.signer, now: now(), info, warn, onRefused: () => opts.onIntegrityFailure?.("checkpoint_refused") });
    }
    if (opts.verifyIntervalMs && Date.now() - lastVerify >= opts.verifyIntervalMs) {
      lastVerify = Date.now();
      const whole = !!opts.wholeVerifyIntervalMs && Date.now() - lastWholeVerify >= opts.wholeVerifyIntervalMs;
      if (whole) lastWholeVerify = Date.now();
      const onFailed = () => opts.onIntegrityFailure?.("verification_failed");
      await verifyTick(db, { ...evidence, signer: opts.signer ?? null, whole, now: now(), info, warn, onFailed });
    }
    if (opts.vacuumIntervalMs && Date.now() - lastVacuum >= opts.vacuumIntervalMs) {
      lastVacuum = Date.now();
      // ~0.1 s for an outbox of 100,000 rows (measured); say so only when it took long.
      const ms = await vacuumChurningTables(db);
      if (ms > 1_000) info(`vacuumed the churning tables in ${Math.round(ms)} ms`);
    }
  };
  const tick = () => {
    running ??= work()
      .catch((err: Error) => warn("scheduler", err))
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(tick, opts.intervalMs);
  void tick();

  // Background jobs requested in the portal — chain verifications and what-if replays — one at a
  // time, each claimed so that only one worker runs it.
  let replaying: Promise<void> | null = null;
  const replayTick = () => {
    replaying ??= (async () => {
      for (let v = await claimVerification(db); v; v = await claimVerification(db)) {
        const witnessed = await readWitnesses(opts.witnesses ?? []);
        const r = await runVerification(db, v, { trusted, authorities: opts.timestampAuthorities, witnessed });
        info(`audit verification ${v.id}: ${r.ok ? "OK" : `FAILED at #${r.failure?.seq}`} (${r.entries} entries, ${r.decisions} decisions, ${r.ms} ms)`);
      }
      for (let job = await claimReplayJob(db); job; job = await claimReplayJob(db)) {
        const r = await runReplayJob(db, job, now());
        info(`what-if replay ${job.id}: ${r.events.toLocaleString("en")} state changes in ${r.elapsedMs} ms`);
      }
    })()
      .catch((err: Error) => warn("background job", err))
      .finally(() => (replaying = null));
    return replaying;
  };
  const replayTimer = setInterval(replayTick, opts.replayPollMs ?? 1_000);
  return {
    tick,
    replayTick,
    async stop() {
      clearInterval(timer);
      clearInterval(replayTimer);
      await running;
      await replaying;
    },
  };
}
