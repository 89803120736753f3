// When partners ask: Alexa's ReportState and Discover directives, Google's QUERY and SYNC intents.
// Answered only with what the on-request terms and the homeowner's consent allow, in the platform's
// own format; every answer is decided by the engine and recorded in the ledger (stage `request`).
import { groupByCategory, type ShadowProperty, FULFIL_REQUEST } from "@proviso/domain";
import { appendAudit, sealDecisions } from "@proviso/audit";
import { deviceShadow, type Database } from "@proviso/db";
import { alexa, google } from "@proviso/partners";
import { decideShare } from "@proviso/policy";
import { inArray } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { decisionRow, type DecisionRow } from "./decision-row";
import { announcementOf, discoverableDevices, recordAnnouncement } from "./discovery";
import { bearerFor, linkIdOfAccountToken } from "./partner-endpoints";
import { exchangeCode, storeTokens, type TokenService } from "./partner-tokens";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";


export class PartnerRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The link a partner's bearer token stands for (each link has its own token): looked up by the id
 * it carries, not by a pass over every link (165,000 of them at 100,000 homes, per request).
 */
export function linkForToken(world: World, partnerAdapter: LinkInfo["adapter"], token: string | undefined): LinkInfo {
  const id = token ? linkIdOfAccountToken(token) : null;
  const link = id !== null ? world.linkById.get(id) : undefined;
  if (link && link.adapter === partnerAdapter) return link;
  throw new PartnerRequestError(401, "INVALID_AUTHORIZATION_CREDENTIAL", "the token does not belong to an active link");
}

/** The on-request answer for one device: allowed properties, and the decisions behind them. */
async function onRequestState(db: Database, world: World, link: LinkInfo, devices: DeviceInfo[], now: number) {
  const shadows = devices.length
    ? await db.select().from(deviceShadow).where(inArray(deviceShadow.deviceId, devices.map((d) => d.deviceId)))
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

interface AlexaDirective {
  header?: { namespace?: string; name?: string; messageId?: string; correlationToken?: string };
  endpoint?: { endpointId?: string; scope?: { token?: string } };
  payload?: { scope?: { token?: string }; grant?: { type?: string; code?: string }; grantee?: { token?: string } };
}

/** An Alexa directive sent to the skill: ReportState or Discover. */
export async function answerAlexaDirective(db: Database, world: World, body: unknown, now = Date.now(), tokens: TokenService | null = null) {
  const directive = (body as { directive?: AlexaDirective })?.directive;
  const header = directive?.header;
  if (!header?.namespace || !header.name) throw new PartnerRequestError(400, "INVALID_DIRECTIVE", "not an Alexa directive");
  const messageId = randomUUID();
  if (header.namespace === "Alexa.Discovery" && header.name === "Discover") {
    const link = linkForToken(world, "alexa", directive!.payload?.scope?.token);
    const visible = discoverableDevices(world, link, now);
    // Alexa now knows exactly this: no discovery update is due until it changes.
    await recordAnnouncement(db, link.linkId, announcementOf(visible), "discover", new Date(now));
    return alexa.discoveryResponse(messageId, visible.map((d) => d.description));
  }
  if (header.namespace === "Alexa.Authorization" && header.name === "AcceptGrant") {
    // Alexa grants us a code for sending events on this customer's behalf: exchange and keep it.
    const code = directive!.payload?.grant?.code;
    try {
      const link = linkForToken(world, "alexa", directive!.payload?.grantee?.token);
      if (!tokens) throw new Error("token storage is not configured (TOKEN_ENCRYPTION_KEY)");
      if (!code) throw new Error("the grant carries no code");
      const granted = await exchangeCode(tokens, code);
      await db.transaction(async (tx) => {
        await storeTokens(tx, tokens, link.linkId, granted);
        // The record says a grant was accepted; the tokens themselves never reach the log.
        await appendAudit(tx, { action: "link.grant_accepted", entityType: "partner_link", entityId: link.linkId, details: { homeId: link.homeId, partnerId: link.partnerId, tokenExpiresAt: granted.expiresAt.toISOString() } });
      });
      return alexa.acceptGrantResponse(messageId, true);
    } catch (err) {
      return alexa.acceptGrantResponse(messageId, { message: `Failed to handle the AcceptGrant directive: ${(err as Error).message}` });
    }
  }
  if (header.namespace === "Alexa" && header.name === "ReportState") {
    const link = linkForToken(world, "alexa", directive!.endpoint?.scope?.token);
    const device = world.devices.get(directive!.endpoint?.endpointId ?? "");
    if (!device || device.homeId !== link.homeId) throw new PartnerRequestError(404, "NO_SUCH_ENDPOINT", "no such endpoint for this account");
    const states = await onRequestState(db, world, link, [device], now);
    const { state, observedAt } = states.get(device.deviceId)!;
    return alexa.stateReport({ messageId, correlationToken: header.correlationToken ?? "", token: bearerFor(link), deviceId: device.deviceId, state, observedAt });
  }
  throw new PartnerRequestError(400, "INVALID_DIRECTIVE", `${header.namespace}.${header.name} is not handled`);
}

/** A Google smart-home fulfillment request: SYNC or QUERY. */
export async function answerGoogleIntent(db: Database, world: World, token: string | undefined, body: unknown, now = Date.now()) {
  const b = body as { requestId?: string; inputs?: { intent?: string; payload?: { devices?: { id: string }[] } }[] };
  const input = b?.inputs?.[0];
  if (!b?.requestId || !input?.intent) throw new PartnerRequestError(400, "invalidRequest", "not a smart-home intent");
  const link = linkForToken(world, "google", token);
  if (input.intent === "action.devices.SYNC") {
    const visible = discoverableDevices(world, link, now);
    await recordAnnouncement(db, link.linkId, announcementOf(visible), "sync", new Date(now));
    return google.syncResponse(b.requestId, link.externalAccountId, visible.map((d) => d.description));
  }
  if (input.intent === "action.devices.QUERY") {
    const asked = (input.payload?.devices ?? []).map((d) => world.devices.get(d.id)).filter((d): d is DeviceInfo => !!d && d.homeId === link.homeId);
    const states = await onRequestState(db, world, link, asked, now);
    return google.queryResponse(
      b.requestId,
      asked.map((d) => ({ deviceId: d.deviceId, kind: d.kind, state: states.get(d.deviceId)!.state })),
    );
  }
  throw new PartnerRequestError(400, "notSupported", `${input.intent} is not handled`);
}
