// What a version would change on today's data: for the partner's linked homes and their devices,
// which categories and modes would start or stop flowing if the version were in force now. Exact:
// every device, category and mode is asked of the real engine twice (`modeReasons`), with the
// snapshot as it is and with the version in place of the one in force.
import { CATEGORIES, FULFIL_REQUEST } from "@proviso/domain";
import { deviceModels, devices, partnerLinks, type Executor } from "@proviso/db";
import { compileSnapshot, modeReasons, REASON, type PolicySnapshot } from "@proviso/policy";
import { and, eq } from "drizzle-orm";
import { loadPolicySnapshot } from "@proviso/snapshot";
import { readClauses } from "./read-versions";

export interface ImpactRow {
  category: string;
  mode: "on_request" | "proactive";
  homesStarting: number;
  homesStopping: number;
  devicesStarting: number;
  devicesStopping: number;
  devicesFlowingBefore: number;
  devicesFlowingAfter: number;
  /** Devices the terms newly allow (or no longer allow), whatever their homeowners' consent. */
  devicesOpenedByTerms: number;
  devicesClosedByTerms: number;
}

const CONSENT_CODES = new Set<string>([REASON.CONSENT_MISSING, REASON.CONSENT_OFF, REASON.CONSENT_ON_REQUEST_ONLY]);
/** Allowed by the terms: allowed, or withheld only for want of the homeowner's consent. */
const termsAllow = (m: { allowed: boolean; reasons: readonly { code: string }[] }) => m.allowed || m.reasons.every((r) => CONSENT_CODES.has(r.code));

export interface EnforcementImpact {
  partnerId: string;
  at: Date;
  linkedHomes: number;
  devices: number;
  rows: ImpactRow[];
}

export async function computeEnforcementImpact(
  db: Executor,
  opts: { versionId: string; partnerId: string; version: number; now: Date; snapshot?: PolicySnapshot },
): Promise<EnforcementImpact> {
  const snapshot = opts.snapshot ?? (await loadPolicySnapshot(db));
  const clauses = await readClauses(db, opts.versionId);
  const at = opts.now.getTime();
  const proposed: PolicySnapshot = {
    ...snapshot,
    versions: [
      ...snapshot.versions.filter((v) => v.versionId !== opts.versionId),
      {
        versionId: opts.versionId,
        partnerId: opts.partnerId,
        // Newest of all, in force from now: it takes the place of whatever is in force.
        version: Number.MAX_SAFE_INTEGER,
        effectiveFrom: at,
        endsAt: null,
        clauses: clauses.map((c) => ({ clauseKey: c.clauseKey, terms: c.terms })),
      },
    ],
  };
  const before = compileSnapshot(snapshot);
  const after = compileSnapshot(proposed);

  const fleet = await db
    .select({ deviceId: devices.id, homeId: devices.homeId, modelKey: deviceModels.key, categories: deviceModels.categories })
    .from(devices)
    .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId))
    .innerJoin(partnerLinks, and(eq(partnerLinks.homeId, devices.homeId), eq(partnerLinks.partnerId, opts.partnerId), eq(partnerLinks.status, "active")));

  const rows = new Map<string, TallyRow>();
  for (const d of fleet) {
    for (const category of d.categories) {
      for (const mode of ["on_request", "proactive"] as const) {
        const q = { partnerId: opts.partnerId, homeId: d.homeId, modelKey: d.modelKey, category, purpose: FULFIL_REQUEST, at };
        tallyDevice(rows, category, mode, d.homeId, modeReasons(before, q, mode), modeReasons(after, q, mode));
      }
    }
  }
  const order = CATEGORIES.map((c) => c.key as string);
  return {
    partnerId: opts.partnerId,
    at: opts.now,
    linkedHomes: new Set(fleet.map((d) => d.homeId)).size,
    devices: fleet.length,
    rows: [...rows.values()]
      .map(({ starting, stopping, ...r }) => ({ ...r, homesStarting: starting.size, homesStopping: stopping.size }))
      .sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category) || a.mode.localeCompare(b.mode)),
  };
}

type TallyRow = ImpactRow & { starting: Set<string>; stopping: Set<string> };
type ModeAnswer = ReturnType<typeof modeReasons>;

/** Counts one device's category and mode in its row: flowing before (`b`) and after (`a`), and opened or closed by the terms. */
function tallyDevice(rows: Map<string, TallyRow>, category: string, mode: ImpactRow["mode"], homeId: string, b: ModeAnswer, a: ModeAnswer) {
  const was = b.allowed;
  const will = a.allowed;
  const key = `${category}|${mode}`;
  let row = rows.get(key);
  if (!row) {
    row = {
      category,
      mode,
      homesStarting: 0,
      homesStopping: 0,
      devicesStarting: 0,
      devicesStopping: 0,
      devicesFlowingBefore: 0,
      devicesFlowingAfter: 0,
      devicesOpenedByTerms: 0,
      devicesClosedByTerms: 0,
      starting: new Set(),
      stopping: new Set(),
    };
    rows.set(key, row);
  }
  const termsBefore = termsAllow(b);
  const termsAfter = termsAllow(a);
  if (!termsBefore && termsAfter) row.devicesOpenedByTerms++;
  if (termsBefore && !termsAfter) row.devicesClosedByTerms++;
  if (was) row.devicesFlowingBefore++;
  if (will) row.devicesFlowingAfter++;
  if (!was && will) {
    row.devicesStarting++;
    row.starting.add(homeId);
  }
  if (was && !will) {
    row.devicesStopping++;
    row.stopping.add(homeId);
  }
}
