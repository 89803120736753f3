// Loading the snapshot whole: every approved version, certification, consent, link and device.
import { appMeta, deviceModels, devices, partnerLinks, partners, type Database } from "@proviso/db";
import { compileSnapshot } from "@proviso/policy";
import { eq, sql, type AnyColumn } from "drizzle-orm";
import { loadCurrentConsents, loadPolicyTerms, termsKey } from "./load-terms";
import type { DeviceInfo, LinkInfo, TokenOpener, World } from "./world";

export async function readPolicyVersion(db: Database): Promise<number> {
  const [row] = await db.select({ value: appMeta.value }).from(appMeta).where(eq(appMeta.key, "policy.version"));
  return Number(row?.value ?? 0);
}

const linkColumns = {
  linkId: partnerLinks.id,
  homeId: partnerLinks.homeId,
  partnerId: partnerLinks.partnerId,
  status: partnerLinks.status,
  adapter: partners.adapter,
  externalAccountId: partnerLinks.externalAccountId,
  region: partnerLinks.region,
  callbackUrls: partnerLinks.callbackUrls,
  accessTokenEnc: partnerLinks.accessTokenEnc,
  refreshTokenEnc: partnerLinks.refreshTokenEnc,
  tokenExpiresAt: partnerLinks.tokenExpiresAt,
};

/** Links as the engine and delivery read them: every one (all states), or those of some homes. */
export function readLinks(db: Database, homes?: string[]) {
  const q = db.select(linkColumns).from(partnerLinks).innerJoin(partners, eq(partners.id, partnerLinks.partnerId));
  return homes ? q.where(anyOf(partnerLinks.homeId, homes)) : q;
}

/** `column = any($1::uuid[])`: one parameter however many ids (`in (…)` takes one each, 65,535 at most). */
const anyOf = (column: AnyColumn, ids: string[]) => sql`${column} = any(${sql.param(ids)}::uuid[])`;

/** What a device's entry takes from its model. */
const modelColumns = { modelKey: deviceModels.key, kind: deviceModels.kind, categories: deviceModels.categories, modelName: deviceModels.name };
export type ModelInfo = Pick<DeviceInfo, keyof typeof modelColumns>;

/** The device directory: every device, or those of some homes. */
export function readDevices(db: Database, homes?: string[]): Promise<DeviceInfo[]> {
  const q = db
    .select({ deviceId: devices.id, homeId: devices.homeId, modelId: devices.modelId, name: devices.name, room: devices.room, ...modelColumns })
    .from(devices)
    .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId));
  return homes ? q.where(anyOf(devices.homeId, homes)) : q;
}

/** Every device model, by id. */
export async function readModels(db: Database): Promise<Map<string, ModelInfo>> {
  const rows = await db.select({ id: deviceModels.id, ...modelColumns }).from(deviceModels);
  return new Map(rows.map(({ id, ...m }) => [id, m]));
}

/** Active links with their tokens opened (a token that will not open reads as none: the link needs a new grant). */
export function activeLinks(rows: Awaited<ReturnType<typeof readLinks>>, cipher: TokenOpener | null | undefined): LinkInfo[] {
  const open = (sealed: string | null, linkId: string) => {
    if (!sealed || !cipher) return null;
    try {
      return cipher.decrypt(sealed, linkId);
    } catch {
      return null; // another key, another link's, or tampered
    }
  };
  return rows
    .filter((l) => l.status === "active")
    .map(({ accessTokenEnc, refreshTokenEnc, tokenExpiresAt, status: _status, ...l }) => ({
      ...l,
      tokenExpiresAt: tokenExpiresAt?.getTime() ?? null,
      accessToken: open(accessTokenEnc, l.linkId),
      refreshToken: open(refreshTokenEnc, l.linkId),
    }));
}

export async function loadWorld(db: Database, cipher?: TokenOpener | null): Promise<World> {
  const policyVersion = await readPolicyVersion(db);
  const [terms, consents, deviceRows, linkRows] = await Promise.all([loadPolicyTerms(db), loadCurrentConsents(db), readDevices(db), readLinks(db)]);
  // The links are read once: every state for the engine, the active ones with what delivery needs.
  const snapshot = { ...terms, consents, links: linkRows };
  const links = activeLinks(linkRows, cipher);
  return {
    policyVersion,
    policy: compileSnapshot(snapshot),
    devices: new Map(deviceRows.map((d) => [d.deviceId, d])),
    devicesByHome: byHome(deviceRows),
    linksByHome: byHome(links),
    linkById: new Map(links.map((l) => [l.linkId, l])),
    loadedAt: Date.now(),
    origin: "loaded",
    termsKey: termsKey(snapshot),
  };
}

export function byHome<T extends { homeId: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.homeId);
    if (list) list.push(item);
    else out.set(item.homeId, [item]);
  }
  return out;
}
