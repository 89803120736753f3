// A state message at delivery: decided again with the snapshot as it is now (a consent or link
// change committed a moment ago counts), built in the platform's format with its stable id, sent.
import { FULFIL_REQUEST, type DeliveryMode } from "@proviso/domain";
import { decideShare, WITHHOLDING_CODES } from "@proviso/policy";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";
import { decisionRow, type DecisionRow } from "../lib/decision-row";
import { decodeState, type StateMessage } from "../outbox/codec";
import type { OutboxRow } from "./claim";
import { cancel, cancelWithheld, delivered } from "./record";
import type { Round } from "./round";
import { heldBack, send } from "./send";
import { asCalled } from "../lib/service-credential";
import { beforeExpiry } from "../lib/link-tokens";

const PROACTIVE: DeliveryMode = "proactive";
const flatten = (byCategory: Record<string, Record<string, unknown>>) => Object.assign({}, ...Object.values(byCategory)) as Record<string, unknown>;

export async function deliverState(round: Round, row: OutboxRow) {
  const { deps } = round;
  const now = round.now();
  const world = deps.freshWorld ? await deps.freshWorld() : deps.world();
  const message = decodeState(row.payload);
  const device = world.devices.get(message.deviceId);

  // 1. Decided twice: re-decide every category with the snapshot as it is now.
  const withheld: DecisionRow[] = [];
  const changed = redecide(world, row, device, message, message.changed, now, withheld);
  const context = redecide(world, row, device, message, message.context, now, withheld);
  const link = world.linkById.get(row.linkId);
  if (!device || !link || Object.keys(changed).length === 0) {
    const codes = [...new Set(withheld.flatMap((w) => (w.reasons ?? []).map((r) => r.code).filter((c) => WITHHOLDING_CODES.has(c))))];
    await cancelWithheld(round, row, `withheld at delivery: ${codes.join(", ") || "link no longer active"}`, withheld);
    return;
  }
  // Sent with fewer categories: what was withheld is sealed with the round's deliveries.
  round.withheld.push(...withheld);

  // 2. The platform's own format, with the stable message id (and Proviso's own bearer where the platform wants it).
  const adapter = deps.adapters[link.adapter];
  const called = await beforeExpiry(deps.db, deps.cipher, adapter, await asCalled(adapter, link, round.secretsOf), now, round.refreshing);
  const build = (l: LinkInfo) =>
    adapter.stateRequest({
      link: l,
      device,
      messageId: row.messageId,
      change: { cause: message.cause, observedAt: message.observedAt, changed: flatten(changed), current: flatten(context) },
      now,
    });
  const request = build(called);
  if ("unsendable" in request) {
    await cancel(round, row, request.unsendable);
    return;
  }

  // 3. The partner's hold and the clauses' rate limits (a message that goes nowhere uses none of them), then send.
  if (await heldBack(round, row, now)) return;
  const rebuilt = (l: LinkInfo) => {
    const r = l === called ? request : build(l);
    if ("unsendable" in r) throw new Error(r.unsendable);
    return r;
  };
  const sent = await send(round, row, adapter, called, rebuilt);
  if (sent) delivered(round, row, sent.status);
}

/** The categories of `byCategory` the engine still allows now; what it withholds becomes a delivery-stage decision. */
function redecide(
  world: World,
  row: OutboxRow,
  device: DeviceInfo | undefined,
  message: StateMessage,
  byCategory: Record<string, Record<string, unknown>>,
  now: number,
  withheld: DecisionRow[],
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [category, properties] of Object.entries(byCategory)) {
    const d = decideShare(world.policy, {
      partnerId: row.partnerId,
      homeId: row.homeId,
      modelKey: device?.modelKey ?? "",
      category,
      mode: PROACTIVE,
      purpose: FULFIL_REQUEST,
      at: now,
      properties,
    });
    if (d.outcome !== "withhold") {
      out[category] = properties;
      continue;
    }
    withheld.push(
      decisionRow(d, {
        stage: "delivery",
        mode: PROACTIVE,
        homeId: row.homeId,
        deviceId: message.deviceId,
        partnerId: row.partnerId,
        linkId: row.linkId,
        category,
        observedAt: new Date(message.observedAt),
        decidedAt: new Date(now),
      }),
    );
  }
  return out;
}
