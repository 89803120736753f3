// A partner asking for state (Alexa's ReportState, Google's QUERY, SmartThings' stateRefresh):
// answered from the shadow with only what on-request terms and consent allow, every answer decided
// by the engine and recorded in the ledger (stage `request`).
import { sealDecisions } from "@proviso/audit";
import { deviceShadow, type Database } from "@proviso/db";
import { FULFIL_REQUEST, groupByCategory, type ShadowProperty } from "@proviso/domain";
import { decideShare } from "@proviso/policy";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";
import { inArray } from "drizzle-orm";
import { decisionRow, type DecisionRow } from "../lib/decision-row";

/** The on-request answer for one device: allowed properties, and the decisions behind them. */
export async function onRequestState(db: Database, world: World, link: LinkInfo, devices: DeviceInfo[], now: number) {
  const shadows = devices.length
    ? await db
        .select()
        .from(deviceShadow)
        .where(
          inArray(
            deviceShadow.deviceId,
            devices.map((d) => d.deviceId),
          ),
        )
    : [];
  const rows: DecisionRow[] = [];
  const states = new Map<string, { state: Record<string, unknown>; observedAt: string }>();
  for (const device of devices) {
    const shadow = shadows.find((s) => s.deviceId === device.deviceId);
    const shadowProps = (shadow?.properties ?? {}) as Record<string, ShadowProperty>;
    const values: Record<string, unknown> = Object.fromEntries(Object.entries(shadowProps).map(([name, p]) => [name, p.value]));
    // Whether the device is reachable now is data too (user.device.telemetry.connectivity): decided
    // like every other category, and answered only where terms and consent allow. (Google's QUERY
    // must carry `online`; without connectivity it is always true, which tells nothing.)
    values.connectivity = shadow?.reachable === false ? "unreachable" : "ok";
    const byCategory = groupByCategory(values);
    let observedAt = "";
    for (const p of Object.values(shadowProps)) if (p.observedAt > observedAt) observedAt = p.observedAt;
    observedAt ||= new Date(now).toISOString();
    const state: Record<string, unknown> = {};
    for (const [category, properties] of byCategory) {
      const d = decideShare(world.policy, {
        partnerId: link.partnerId,
        homeId: device.homeId,
        modelKey: device.modelKey,
        category,
        mode: "on_request",
        purpose: FULFIL_REQUEST,
        at: now,
        properties,
      });
      rows.push(
        decisionRow(d, {
          stage: "request",
          mode: "on_request",
          homeId: device.homeId,
          deviceId: device.deviceId,
          partnerId: link.partnerId,
          linkId: link.linkId,
          category,
          observedAt: new Date(now),
          decidedAt: new Date(now),
        }),
      );
      if (d.properties) Object.assign(state, d.properties);
    }
    states.set(device.deviceId, { state, observedAt });
  }
  if (rows.length) await db.transaction((tx) => sealDecisions(tx, rows, { stage: "request" }));
  return states;
}
