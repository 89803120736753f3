// When partners ask: each platform's requests, read by its adapter into what is asked (discover,
// state, grant, unlink), answered here the same way for every platform, and written back in the
// platform's own format. The bearer token is one account linking issued (packages/core linking):
// it stands for one link; an unknown, expired or revoked token, one for a link of another
// platform, or for a link no longer active, is refused in the platform's error shape.
import { appendAudit } from "@proviso/audit";
import { linkOfAccessToken, unlinkByPlatform, type TokenCipher } from "@proviso/core";
import type { Database } from "@proviso/db";
import type { AdapterId } from "@proviso/domain";
import { PartnerRequestError, type Adapters, type InboundRequest, type PartnerAdapter } from "@proviso/partners";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";
import { announcementOf, discoverableDevices } from "../discovery/describe";
import { recordAnnouncement } from "../discovery/announcements";
import { storeTokens } from "../lib/link-tokens";
import { onRequestState } from "./on-request";

export interface PartnerRequestDeps {
  db: Database;
  world: () => World;
  /** A snapshot at least as new as the database now (a link approved a moment ago is in it). */
  fresh?: () => Promise<World>;
  adapters: Adapters;
  /** Seals the tokens a platform grants (AcceptGrant, grantCallbackAccess); without it a grant is refused. */
  cipher: TokenCipher | null;
  now?: () => number;
}

/**
 * The link a partner's bearer token stands for: the token looked up by its hash (valid, of this
 * platform, for an active link), the link then found in the snapshot, or in a fresh one when it
 * was approved since the snapshot was taken.
 */
export async function linkForToken(deps: PartnerRequestDeps, adapter: AdapterId, token: string | undefined, now: number): Promise<LinkInfo> {
  const holder = token ? await linkOfAccessToken(deps.db, token, new Date(now)) : null;
  let link = holder ? deps.world().linkById.get(holder.linkId) : undefined;
  if (holder && !link && deps.fresh) link = (await deps.fresh()).linkById.get(holder.linkId);
  if (holder && link && link.adapter === adapter && link.partnerId === holder.partnerId) return link;
  throw new PartnerRequestError(401, "INVALID_AUTHORIZATION_CREDENTIAL", "the token is not valid for an active link of this platform");
}

/** The adapter whose inbound path this is, if any. */
export function adapterForPath(adapters: Adapters, path: string): PartnerAdapter | null {
  for (const a of Object.values(adapters)) if (a.inbound?.path === path) return a;
  return null;
}

/** One request from a platform, answered in its format: the HTTP status and body. */
export async function answerPartnerRequest(
  deps: PartnerRequestDeps,
  adapter: PartnerAdapter,
  body: unknown,
  headers: Record<string, string | undefined>,
): Promise<{ status: number; body: unknown }> {
  const inbound = adapter.inbound;
  if (!inbound) return { status: 404, body: { error: "not found" } };
  try {
    const req = inbound.read(body, headers);
    const link = await linkForToken(deps, adapter.id, req.token, (deps.now ?? Date.now)());
    return { status: 200, body: await answer(deps, adapter, req, link) };
  } catch (err) {
    if (err instanceof PartnerRequestError) return inbound.error(err, body);
    throw err;
  }
}

async function answer(deps: PartnerRequestDeps, adapter: PartnerAdapter, req: InboundRequest, link: LinkInfo): Promise<unknown> {
  const now = (deps.now ?? Date.now)();
  const world = deps.world();
  switch (req.kind) {
    case "discover": {
      const visible = discoverableDevices(world, link, now);
      // The platform now knows exactly this: no discovery update is due until it changes.
      await recordAnnouncement(deps.db, link.linkId, announcementOf(visible), req.via, new Date(now));
      return req.respond(
        visible.map((d) => d.description),
        link,
      );
    }
    case "state": {
      const asked = req.deviceIds.map((id) => world.devices.get(id)).filter((d): d is DeviceInfo => !!d && d.homeId === link.homeId);
      const states = await onRequestState(deps.db, world, link, asked, now);
      return req.respond(
        asked.map((d) => ({ deviceId: d.deviceId, kind: d.kind, ...states.get(d.deviceId)! })),
        link,
      );
    }
    case "grant":
      return req.respond(await acceptGrant(deps, adapter, link, req.code, req.callbackUrls, now));
    case "unlink":
      await unlinkByPlatform(deps.db, { homeId: link.homeId, partnerId: link.partnerId, now: new Date(now) });
      return req.respond();
    case "ack":
      return req.respond();
  }
}

/** The platform grants us a code for what we send on this customer's behalf: exchange it and keep the tokens, sealed. */
async function acceptGrant(
  deps: PartnerRequestDeps,
  adapter: PartnerAdapter,
  link: LinkInfo,
  code: string | undefined,
  callbackUrls: Parameters<typeof storeTokens>[4],
  now: number,
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    if (!adapter.credentials) throw new Error("this platform grants no tokens");
    if (!deps.cipher) throw new Error("token storage is not configured (TOKEN_ENCRYPTION_KEY)");
    if (!code) throw new Error("the grant carries no code");
    const granted = await adapter.credentials.exchange(code, link, callbackUrls ?? null);
    const cipher = deps.cipher;
    await deps.db.transaction(async (tx) => {
      await storeTokens(tx, cipher, link.linkId, granted, callbackUrls);
      // The record says a grant was accepted; the tokens themselves never reach the log.
      await appendAudit(
        tx,
        {
          action: "link.grant_accepted",
          entityType: "partner_link",
          entityId: link.linkId,
          details: { homeId: link.homeId, partnerId: link.partnerId, tokenExpiresAt: granted.expiresAt.toISOString() },
        },
        new Date(now),
      );
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
