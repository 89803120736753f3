// `npm run bench:audit`: what verifying the audit chain costs, whole and from the last checkpoint
// found good. A ledger of BENCH_AUDIT_DECISIONS decisions (1,000,000 by default) written over 30
// days as the worker writes it, then a day's growth (a thirtieth more), each ended by a checkpoint:
// the whole chain verified, then only what came since the first checkpoint, side by side.
import { createCheckpoint, keyring, signerFromSeed, verifyChain, verifySinceLastVerified } from "@proviso/audit";
import { seed } from "@proviso/seed";
import { performance } from "node:perf_hooks";
import { generateHistory } from "../src/history/generate";
import { benchBackends, benchDatabase } from "./databases";

const DECISIONS = Number(process.env.BENCH_AUDIT_DECISIONS ?? 1_000_000);
const HOMES = Number(process.env.BENCH_AUDIT_HOMES ?? 2_000);
const NOW = new Date("2026-11-24T00:00:00Z");
const signer = signerFromSeed(Buffer.alloc(32, 7).toString("base64"));
const trusted = keyring([signer.publicKey]);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

for (const backend of benchBackends()) {
  const t = await benchDatabase(backend);
  try {
    await seed(t.db, { homes: HOMES, now: new Date(NOW.getTime() - 31 * 86_400_000) });
    let started = performance.now();
    await generateHistory(t.db, { decisions: DECISIONS, days: 30, now: new Date(NOW.getTime() - 86_400_000) });
    await createCheckpoint(t.db, signer, new Date(NOW.getTime() - 86_400_000), { trusted });
    const writtenMs = performance.now() - started;
    // The first verification, whole: it leaves its mark at that checkpoint.
    started = performance.now();
    const whole = await verifySinceLastVerified(t.db, { signer, trusted });
    const wholeMs = performance.now() - started;
    // A day's growth, then the scheduled check: only what came since.
    await generateHistory(t.db, { decisions: Math.round(DECISIONS / 30), days: 1, now: NOW, seed: 7 });
    await createCheckpoint(t.db, signer, NOW, { trusted });
    started = performance.now();
    const day = await verifySinceLastVerified(t.db, { signer, trusted });
    const dayMs = performance.now() - started;
    started = performance.now();
    const again = await verifyChain(t.db, { trusted });
    const againMs = performance.now() - started;
    if (!whole.ok || !day.ok || !again.ok) throw new Error(`verification failed: ${JSON.stringify(whole.failure ?? day.failure ?? again.failure)}`);
    console.log(
      `${backend === "postgres" ? "PostgreSQL" : "embedded PostgreSQL (PGlite)"}: ${fmt(again.decisions)} decisions, ${fmt(again.entries)} entries (written in ${(writtenMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `  whole chain            ${(againMs / 1000).toFixed(1)} s  (${fmt(again.decisions / (againMs / 1000))} decisions/s)  [first run: ${(wholeMs / 1000).toFixed(1)} s]`,
    );
    console.log(`  a day's growth only    ${(dayMs / 1000).toFixed(2)} s  (${fmt(day.decisions)} decisions, ${fmt(day.entries)} entries since #${day.since})`);
    console.log(`  ratio                  ${(dayMs / againMs).toFixed(3)} of the whole`);
  } finally {
    await t.drop();
  }
}
process.exit(0);
