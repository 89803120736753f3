// Witnesses: places outside the operator's reach that hold every signed checkpoint — a directory
// on other storage (a file per checkpoint, never rewritten), or an HTTP endpoint (a regulator's, a
// partner's; the sandbox plays one), and the checkpoints a partner downloads from its portal. The
// database's checkpoints can be deleted with the entries they signed; a witness's cannot, so a
// history cut short or forked contradicts them. The signer refuses to sign over such a history
// and verification names the witnessed checkpoint the log no longer agrees with.
import type { Executor } from "@proviso/db";
import { auditLog } from "@proviso/db";
import { inArray } from "drizzle-orm";
import fs from "node:fs";
import path from "node:path";
import { checkSignature, type CheckpointExport } from "./checkpoint-format";
import type { Keyring } from "./keys";

/** A witness that could not be read whole: what it held that did read, and why the rest did not. */
export class WitnessUnreadable extends Error {
  constructor(
    message: string,
    readonly held: CheckpointExport[] = [],
  ) {
    super(message);
  }
}

export interface Witness {
  /** Where it is, for messages (a directory, a URL). */
  name: string;
  /** Hands it a checkpoint (idempotent: one it holds already is no change). */
  publish(cp: CheckpointExport): Promise<void>;
  /** Every checkpoint it holds. */
  read(): Promise<CheckpointExport[]>;
}

/** A directory (mounted from storage the database's operator cannot rewrite): one JSON file per checkpoint, written once. */
export function directoryWitness(dir: string): Witness {
  return {
    name: dir,
    async publish(cp) {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `checkpoint-${String(cp.uptoSeq).padStart(12, "0")}-${cp.id}.json`);
      try {
        fs.writeFileSync(file, JSON.stringify(cp, null, 2), { flag: "wx" });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    },
    async read() {
      if (!fs.existsSync(dir)) return [];
      // A file that does not parse is skipped here and named by `readWitnesses`' caller as unreadable.
      const held: CheckpointExport[] = [];
      const bad: string[] = [];
      for (const f of fs
        .readdirSync(dir)
        .filter((x) => /^checkpoint-\d+-\d+\.json$/.test(x))
        .sort()) {
        try {
          held.push(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as CheckpointExport);
        } catch {
          bad.push(f);
        }
      }
      if (bad.length) throw new WitnessUnreadable(`${dir}: ${bad.length} file(s) that are not checkpoints (${bad.slice(0, 3).join(", ")})`, held);
      return held;
    },
  };
}

/** An HTTP witness: `POST url` a checkpoint (JSON), `GET url` answers `{ "checkpoints": [...] }`. */
export function httpWitness(url: string, token?: string): Witness {
  const headers = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return {
    name: url,
    async publish(cp) {
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(cp), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`the witness at ${url} answered ${res.status}`);
    },
    async read() {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`the witness at ${url} answered ${res.status}`);
      return ((await res.json()) as { checkpoints: CheckpointExport[] }).checkpoints;
    },
  };
}

/** The witnesses the settings name: AUDIT_WITNESS_DIRS and AUDIT_WITNESS_URLS (comma-separated each). */
export function witnessesFromSettings(env: { AUDIT_WITNESS_DIRS?: string; AUDIT_WITNESS_URLS?: string; AUDIT_WITNESS_TOKEN?: string }): Witness[] {
  const list = (v: string | undefined) =>
    (v ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  return [...list(env.AUDIT_WITNESS_DIRS).map(directoryWitness), ...list(env.AUDIT_WITNESS_URLS).map((u) => httpWitness(u, env.AUDIT_WITNESS_TOKEN))];
}

/**
 * Witnessed checkpoints against the log: each (signed by a trusted key; others are ignored, as
 * anyone could hand a witness a file) must name an entry the log still has, with the hash it
 * signed. The first that does not, or null.
 */
export async function contradiction(
  db: Executor,
  witnessed: readonly (CheckpointExport & { heldBy?: string })[],
  trusted: Keyring,
): Promise<{ seq: number; message: string } | null> {
  const valid = witnessed.filter((cp) => {
    try {
      return typeof cp.uptoSeq === "number" && typeof cp.headHash === "string" && checkSignature(cp, trusted) === null;
    } catch {
      return false; // not a checkpoint at all: proves nothing
    }
  });
  if (valid.length === 0) return null;
  const seqs = [...new Set(valid.map((cp) => cp.uptoSeq))];
  const rows = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(inArray(auditLog.seq, seqs));
  const hashes = new Map(rows.map((r) => [r.seq, r.hash]));
  for (const cp of [...valid].sort((a, b) => a.uptoSeq - b.uptoSeq)) {
    const held = hashes.get(cp.uptoSeq);
    const by = cp.heldBy ? ` held by ${cp.heldBy}` : "";
    if (held === undefined)
      return { seq: cp.uptoSeq, message: `checkpoint ${cp.id}${by} signed entry #${cp.uptoSeq}, which the log no longer has: entries were removed` };
    if (held !== cp.headHash)
      return { seq: cp.uptoSeq, message: `checkpoint ${cp.id}${by} signed entry #${cp.uptoSeq} with a hash the log no longer has: the history was rewritten` };
  }
  return null;
}

/** How a witness's copies are marked (`heldBy`). */
export const witnessLabel = (w: Witness) => `witness ${w.name}`;

/**
 * Every witness's checkpoints, each marked with who holds it, and the witnesses that could not be
 * read (whole or in part): one bad witness never hides what the others hold.
 */
export async function readWitnesses(witnesses: readonly Witness[]): Promise<(CheckpointExport & { heldBy: string })[] & { unreadable: string[] }> {
  const settled = await Promise.allSettled(witnesses.map((w) => w.read()));
  const held: (CheckpointExport & { heldBy: string })[] = [];
  const unreadable: string[] = [];
  settled.forEach((r, i) => {
    const w = witnesses[i]!;
    const got = r.status === "fulfilled" ? r.value : r.reason instanceof WitnessUnreadable ? r.reason.held : [];
    if (r.status === "rejected") unreadable.push(`${w.name}: ${(r.reason as Error).message}`);
    held.push(...got.map((cp) => ({ ...cp, heldBy: witnessLabel(w) })));
  });
  return Object.assign(held, { unreadable });
}
