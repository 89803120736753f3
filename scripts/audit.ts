// The audit log from the command line.
//   npm run audit:verify [-- --from N --to N]     verify the chain (or a range); exit 1 naming the first failing entry
//   npm run audit:checkpoint                      sign the chain's head now (refused, exit 1, if it does not extend the last checkpoint)
//   npm run audit:verify -- --checkpoint FILE     check an exported checkpoint's signature and that the log still agrees
//   npm run audit:verify -- --witness FILE        also against checkpoints held outside (a partner's download, a witness's copy)
//   npm run audit:rotate-key                      a new checkpoint key; the old one stays trusted for what it signed
// The signer is AUDIT_SIGNER_URL (a remote signer), AUDIT_SIGNING_KEY, or the key `npm start` keeps
// under the data directory; the keys trusted are the signer's and AUDIT_TRUSTED_KEYS (or the data
// directory's audit-trusted-keys, one public key a line).
import {
  checkSignature,
  createCheckpoint,
  keyIdOf,
  keyringFromSettings,
  newSigningSeed,
  readWitnesses,
  signerFromSeed,
  signerFromSettings,
  verifyChain,
  witnessesFromSettings,
  type CheckpointExport,
} from "@proviso/audit";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { failWith, openDatabase } from "./lib/open-database";
import { dataPath, readDataFile } from "./lib/runtime-config";

const fail: (message: string) => never = failWith("audit");
const [command, ...rest] = process.argv.slice(2);
if (command !== "verify" && command !== "checkpoint" && command !== "rotate-key")
  fail("usage: tsx scripts/audit.ts verify [--from N] [--to N] [--checkpoint FILE] | checkpoint | rotate-key");

let values: { from?: string; to?: string; checkpoint?: string; witness?: string[] };
try {
  ({ values } = parseArgs({
    args: rest,
    options: { from: { type: "string" }, to: { type: "string" }, checkpoint: { type: "string" }, witness: { type: "string", multiple: true } },
  }));
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
const dataFile = (name: string) => dataPath(name);
const readData = readDataFile;

/** The settings with npm start's generated key and trusted keys where the environment gives none. */
const settings = {
  ...process.env,
  AUDIT_SIGNING_KEY: process.env.AUDIT_SIGNING_KEY || readData("audit-key"),
  AUDIT_TRUSTED_KEYS: process.env.AUDIT_TRUSTED_KEYS || readData("audit-trusted-keys")?.split("\n").join(","),
  AUDIT_WITNESS_DIRS: process.env.AUDIT_WITNESS_DIRS ?? (fs.existsSync(dataFile("witness")) ? dataFile("witness") : undefined),
};

/** Checkpoints held outside: the configured witnesses', and each --witness file (one checkpoint, a list, or a partner's download). */
async function witnessed(): Promise<(CheckpointExport & { heldBy: string })[]> {
  const held = await readWitnesses(witnessesFromSettings(settings));
  for (const problem of held.unreadable) console.error(`audit: a witness cannot be read: ${problem}`);
  for (const file of values!.witness ?? []) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      fail(`cannot read witness file ${file}: ${(err as Error).message}`);
    }
    const list = Array.isArray(json) ? json : ((json as { checkpoints?: unknown[] }).checkpoints ?? [json]);
    held.push(...(list as CheckpointExport[]).map((cp) => ({ ...cp, heldBy: file })));
  }
  return held;
}

if (command === "rotate-key") rotateKey();
else await withDatabase();

/** A new key: in the data directory when npm start's key is in use; otherwise printed, with what to configure. */
function rotateKey() {
  if (process.env.AUDIT_SIGNER_URL)
    fail(
      "the key lives with the remote signer (AUDIT_SIGNER_URL): rotate it there, then set AUDIT_SIGNER_PUBLIC_KEY and add the old public key to AUDIT_TRUSTED_KEYS",
    );
  const old = settings.AUDIT_SIGNING_KEY ? signerFromSeed(settings.AUDIT_SIGNING_KEY) : null;
  const seed = newSigningSeed();
  const next = signerFromSeed(seed);
  if (process.env.AUDIT_SIGNING_KEY) {
    console.log(`new key ${next.keyId}: set AUDIT_SIGNING_KEY=${seed}`);
    if (old) console.log(`and keep the old key trusted for what it signed: add ${old.publicKey} to AUDIT_TRUSTED_KEYS`);
    return;
  }
  fs.mkdirSync(path.dirname(dataFile("audit-key")), { recursive: true });
  if (old) fs.appendFileSync(dataFile("audit-trusted-keys"), `${old.publicKey}\n`, { mode: 0o600 });
  fs.writeFileSync(dataFile("audit-key"), `${seed}\n`, { mode: 0o600 });
  console.log(
    `audit: new checkpoint key ${next.keyId} in ${dataFile("audit-key")}${old ? `; key ${keyIdOf(old.publicKey)} stays trusted for what it signed` : ""}`,
  );
  console.log("audit: restart npm start for the worker and the portal to sign with it");
}

async function withDatabase() {
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
    const signer = signerFromSettings(settings);
    const trusted = keyringFromSettings(settings, signer);
    if (command === "checkpoint") {
      if (!signer) fail("no signing key: set AUDIT_SIGNING_KEY (32 bytes, base64) or AUDIT_SIGNER_URL, or run npm start once to generate one");
      const cp = await createCheckpoint(db.handle.db, signer, new Date(), { trusted, witnessed: await witnessed() });
      console.log(cp ? JSON.stringify(cp, null, 2) : "audit: nothing appended since the last checkpoint");
    } else await verify(db, trusted, exported);
  } catch (err) {
    console.error(`audit: ${(err as Error).message.split("\n")[0]}`);
    process.exitCode = 1;
  } finally {
    await db.close();
  }
}

async function verify(db: Awaited<ReturnType<typeof openDatabase>>, trusted: ReturnType<typeof keyringFromSettings>, exported: CheckpointExport | null) {
  if (trusted.size === 0) console.warn("audit: no trusted key configured: no checkpoint can be trusted");
  if (exported) {
    const bad = checkSignature(exported, trusted);
    if (bad) {
      console.error(`audit: FAILED — the exported checkpoint: ${bad}`);
      process.exitCode = 1;
      return;
    }
  }
  const started = Date.now();
  let lastPrint = 0;
  const r = await verifyChain(db.handle.db, {
    from,
    to: to ?? exported?.uptoSeq,
    trusted,
    witnessed: await witnessed(),
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
      return;
    }
  }
  if (!r.ok) {
    console.error(`audit: FAILED at entry ${r.failure!.seq === null ? "(none)" : `#${r.failure!.seq}`} — ${r.failure!.message}`);
    console.error(`audit: checked before the failure: ${counted}`);
    process.exitCode = 1;
  } else console.log(`audit: OK — ${counted}`);
}
