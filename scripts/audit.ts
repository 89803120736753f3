// The audit log from the command line.
//   npm run audit:verify [-- --from N --to N]     verify the chain (or a range); exit 1 naming the first failing entry
//   npm run audit:checkpoint                      sign the chain's head now and print the checkpoint as JSON
//   npm run audit:verify -- --checkpoint FILE     check an exported checkpoint's signature and that the log still agrees
// The trusted key is AUDIT_SIGNING_KEY, or the one `npm start` generated under the data directory.
import { checkSignature, createCheckpoint, signerFromSeed, verifyChain, type CheckpointExport } from "@proviso/audit";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { failWith, openDatabase, root } from "./lib/open-database";

const fail: (message: string) => never = failWith("audit");
const [command, ...rest] = process.argv.slice(2);
if (command !== "verify" && command !== "checkpoint") fail("usage: tsx scripts/audit.ts verify [--from N] [--to N] [--checkpoint FILE] | checkpoint");

let values: { from?: string; to?: string; checkpoint?: string };
try {
  ({ values } = parseArgs({ args: rest, options: { from: { type: "string" }, to: { type: "string" }, checkpoint: { type: "string" } } }));
} catch (err) {
  fail((err as Error).message);
}
const num = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be an entry number (1 or more)`);
  return n;
};
const from = num(values!.from, "from");
const to = num(values!.to, "to");

function signingSeed(dataDir: string): string | null {
  if (process.env.AUDIT_SIGNING_KEY) return process.env.AUDIT_SIGNING_KEY;
  const file = path.join(path.resolve(root, dataDir), "audit-key");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : null;
}

let exported: CheckpointExport | null = null;
if (values!.checkpoint) {
  try {
    exported = JSON.parse(fs.readFileSync(values!.checkpoint, "utf8")) as CheckpointExport;
  } catch (err) {
    fail(`cannot read checkpoint ${values!.checkpoint}: ${(err as Error).message}`);
  }
}

const db = await openDatabase("audit");
try {
  const seed = signingSeed(db.cfg.PROVISO_DATA_DIR);
  const signer = seed ? signerFromSeed(seed) : null;
  if (command === "checkpoint") {
    if (!signer) fail("no signing key: set AUDIT_SIGNING_KEY (32 bytes, base64) or run npm start once to generate one");
    const cp = await createCheckpoint(db.handle.db, signer);
    console.log(cp ? JSON.stringify(cp, null, 2) : "audit: nothing appended since the last checkpoint");
  } else {
    if (!signer) console.warn("audit: no signing key configured: checkpoint signatures are checked against their own keys only");
    if (exported) {
      const bad = checkSignature(exported, signer?.publicKey);
      if (bad) {
        console.error(`audit: FAILED — the exported checkpoint: ${bad}`);
        process.exitCode = 1;
      }
    }
    if (!process.exitCode) {
      const started = Date.now();
      let lastPrint = 0;
      const r = await verifyChain(db.handle.db, {
        from,
        to: to ?? exported?.uptoSeq,
        trustedPublicKey: signer?.publicKey,
        onProgress(done, total) {
          if (Date.now() - lastPrint > 1000) {
            lastPrint = Date.now();
            process.stderr.write(`audit: ${done.toLocaleString()}/${total.toLocaleString()} entries\n`);
          }
        },
      });
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const counted = `${r.entries.toLocaleString()} entries (#${r.from}–#${r.to}), ${r.batches.toLocaleString()} decision batches, ${r.decisions.toLocaleString()} decisions, ${r.checkpoints} checkpoints in ${secs} s`;
      if (r.ok && exported) {
        const [row] = (await db.handle.pool.query("select hash from audit_log where seq = $1", [exported.uptoSeq])).rows as { hash: string }[];
        if (row?.hash !== exported.headHash) {
          console.error(`audit: FAILED — the log's entry #${exported.uptoSeq} no longer has the hash the exported checkpoint signed`);
          process.exitCode = 1;
        }
      }
      if (!r.ok) {
        console.error(`audit: FAILED at entry ${r.failure!.seq === null ? "(none)" : `#${r.failure!.seq}`} — ${r.failure!.message}`);
        console.error(`audit: checked before the failure: ${counted}`);
        process.exitCode = 1;
      } else if (!process.exitCode) console.log(`audit: OK — ${counted}`);
    }
  }
} catch (err) {
  console.error(`audit: ${(err as Error).message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
