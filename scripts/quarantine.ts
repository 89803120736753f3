// The quarantine from the command line: the reports the worker rejected, newest first, each with its
// reason, and how many there are of each reason.
//   npm run quarantine [-- --reason CODE] [--device ID] [--since 2h|ISO time] [--limit N] [--full] [--json]
// --since takes a duration back from now (30m, 2h, 7d) or a time; --full prints each report whole
// (otherwise its first 200 characters); --json prints one JSON object per report and no summary.
import { countQuarantine, listQuarantine, REJECT_CODES, type QuarantineFilter, type RejectCode } from "@proviso/worker";
import { parseArgs } from "node:util";
import { failWith, openDatabase } from "./lib/open-database";

const fail: (message: string) => never = failWith("quarantine");

let values: { reason?: string; device?: string; since?: string; limit?: string; full?: boolean; json?: boolean };
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      reason: { type: "string" },
      device: { type: "string" },
      since: { type: "string" },
      limit: { type: "string" },
      full: { type: "boolean" },
      json: { type: "boolean" },
    },
  }));
} catch (err) {
  fail(`${(err as Error).message} (usage: npm run quarantine -- [--reason CODE] [--device ID] [--since 2h|ISO time] [--limit N] [--full] [--json])`);
}

const filter: QuarantineFilter = {};
if (values!.reason !== undefined) {
  const code = values!.reason.toUpperCase();
  if (!REJECT_CODES.includes(code as RejectCode)) fail(`--reason must be one of ${REJECT_CODES.join(", ")}; "${values!.reason}" is not`);
  filter.reason = code as RejectCode;
}
if (values!.device !== undefined) filter.device = values!.device;
if (values!.since !== undefined) filter.since = sinceOf(values!.since);
const limit = values!.limit === undefined ? 50 : Number(values!.limit);
if (!Number.isInteger(limit) || limit < 1) fail(`--limit must be a whole number of reports (1 or more), not "${values!.limit}"`);

/** `30m`, `2h`, `7d` back from now, or a time `Date` can read. */
function sinceOf(text: string): Date {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (m) return new Date(Date.now() - Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"]);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) fail(`--since takes a duration (30m, 2h, 7d) or a time (2026-11-30T06:00:00Z), not "${text}"`);
  return at;
}

const db = await openDatabase("quarantine");
try {
  const rows = await listQuarantine(db.handle.db, filter, limit);
  if (values!.json) {
    for (const r of rows) console.log(JSON.stringify(r));
  } else {
    const counts = await countQuarantine(db.handle.db, filter);
    const total = counts.reduce((n, c) => n + c.count, 0);
    const scope = [
      filter.reason && `reason ${filter.reason}`,
      filter.device && `device ${filter.device}`,
      filter.since && `since ${filter.since.toISOString()}`,
    ]
      .filter(Boolean)
      .join(", ");
    console.log(
      `${total.toLocaleString("en-US")} quarantined report${total === 1 ? "" : "s"}${scope ? ` (${scope})` : ""}${counts.length ? `: ${counts.map((c) => `${c.reasonCode} ${c.count.toLocaleString("en-US")}`).join(", ")}` : ""}`,
    );
    if (rows.length < total) console.log(`the newest ${rows.length} (--limit for more):`);
    for (const r of rows) {
      const raw = values!.full || r.raw.length <= 200 ? r.raw : `${r.raw.slice(0, 200)}… (${r.raw.length.toLocaleString("en-US")} characters; --full for all)`;
      console.log(
        `\n#${r.id}  ${r.receivedAt.toISOString()}  ${r.reasonCode}  via ${r.source}${r.topic ? ` ${r.topic}` : ""}${r.deviceRef ? `  device ${r.deviceRef}` : ""}`,
      );
      console.log(`  reason: ${r.reason}`);
      console.log(`  raw:    ${raw}`);
    }
  }
} finally {
  await db.close();
}
