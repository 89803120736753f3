// The linking page's two halves: what a platform would receive from one of the homeowner's homes
// under the agreement in force (the offer), and the homeowner's approval, which links the home,
// records their choices as consents and issues the platform its code, in one transaction on the
// audit chain. Re-linking after an unlink reuses the home's link with that partner.
import { appendAudit } from "@proviso/audit";
import { CATEGORIES, categoryName, type ShareMode } from "@proviso/domain";
import { consents, homeMemberships, homes, partnerLinks, partners, type Database, type Executor } from "@proviso/db";
import { agreedModes, compileSnapshot, describeMode, plainAgreementSummary } from "@proviso/policy";
import { loadHomeSnapshot } from "@proviso/snapshot";
import { and, asc, desc, eq } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import { AppError } from "../errors";
import { assertMember } from "../homes/home-sharing";
import { checkAuthorizeRequest, issueAuthorizationCode } from "./oauth";
import { revokeLinkTokens } from "./tokens";

export interface LinkingChoice {
  key: string;
  name: string;
  /** What the homeowner may choose: off, then what the agreement allows. */
  options: { mode: ShareMode; label: string }[];
  /** The choice the page starts from: never proactive. */
  suggested: ShareMode;
}

export interface LinkingOffer {
  partner: { id: string; name: string };
  homes: { id: string; name: string; linked: boolean }[];
  homeId: string;
  categories: LinkingChoice[];
  agreement: { version: number; summary: string[] } | null;
}

/** What linking `partnerId` to one of the user's homes would share (the first home, unless one is named). */
export async function linkingOffer(db: Executor, opts: { userId: string; partnerId: string; homeId?: string; now: Date }): Promise<LinkingOffer> {
  const [partner] = await db.select({ id: partners.id, name: partners.name }).from(partners).where(eq(partners.id, opts.partnerId));
  if (!partner) throw new AppError("NOT_FOUND", "Unknown platform");
  const mine = await db
    .select({ id: homes.id, name: homes.name })
    .from(homeMemberships)
    .innerJoin(homes, eq(homes.id, homeMemberships.homeId))
    .where(eq(homeMemberships.userId, opts.userId))
    .orderBy(asc(homes.name));
  if (mine.length === 0) throw new AppError("NOT_FOUND", "You have no home to link");
  const homeId = opts.homeId && mine.some((h) => h.id === opts.homeId) ? opts.homeId : mine[0]!.id;
  const linked = await db
    .select({ homeId: partnerLinks.homeId })
    .from(partnerLinks)
    .innerJoin(homeMemberships, eq(homeMemberships.homeId, partnerLinks.homeId))
    .where(and(eq(homeMemberships.userId, opts.userId), eq(partnerLinks.partnerId, opts.partnerId), eq(partnerLinks.status, "active")));
  const { snapshot, deviceCategories } = await loadHomeSnapshot(db, homeId);
  const policy = compileSnapshot(snapshot);
  const at = opts.now.getTime();
  const categories = CATEGORIES.filter((c) => deviceCategories.has(c.key)).map((c): LinkingChoice => {
    const modes = agreedModes(policy, partner.id, c.key, at).modes as ShareMode[];
    return {
      key: c.key,
      name: categoryName(c.key),
      options: (["off", ...modes] as ShareMode[]).map((mode) => ({ mode, label: describeMode(partner.name, c.key, mode) })),
      suggested: modes.includes("on_request") ? "on_request" : "off",
    };
  });
  const inForce = snapshot.versions.find((v) => v.partnerId === partner.id && v.effectiveFrom <= at && (v.endsAt === null || at < v.endsAt));
  return {
    partner,
    homes: mine.map((h) => ({ ...h, linked: linked.some((l) => l.homeId === h.id) })),
    homeId,
    categories,
    agreement: inForce ? { version: inForce.version, summary: plainAgreementSummary(partner.name, inForce.clauses).map((s) => s.text) } : null,
  };
}

/**
 * The homeowner approved: the home is linked (or linked again) with the platform that asked, each
 * category set as chosen (only what the agreement in force allows), the link's earlier tokens from
 * that platform ended, and a code issued for the platform. Returns where to send the browser.
 */
export async function approveLinking(
  db: Database,
  opts: { userId: string; homeId: string; params: Record<string, string>; choices: Record<string, ShareMode>; now: Date },
): Promise<{ linkId: string; redirectTo: string }> {
  return db.transaction(async (tx) => {
    await assertMember(tx, opts.userId, opts.homeId);
    const request = await checkAuthorizeRequest(tx, opts.params);
    if ("error" in request) throw new AppError("INVALID", request.error);
    const partnerId = request.client.partnerId;
    const offer = await linkingOffer(tx, { userId: opts.userId, partnerId, homeId: opts.homeId, now: opts.now });
    for (const [key, mode] of Object.entries(opts.choices)) {
      const category = offer.categories.find((c) => c.key === key);
      if (!category) throw new AppError("INVALID", `This home shares no ${key} with ${offer.partner.name}`);
      if (!category.options.some((o) => o.mode === mode))
        throw new AppError("INVALID", `The agreement with ${offer.partner.name} does not allow ${mode.replace("_", " ")} for ${categoryName(key)}`);
    }
    const linkId = await upsertLink(tx, opts.homeId, partnerId, opts.now);
    await revokeLinkTokens(tx, linkId, opts.now, request.client.id);
    const chosen = offer.categories.map((c) => ({ key: c.key, mode: opts.choices[c.key] ?? "off" }));
    for (const c of chosen) await setConsent(tx, { homeId: opts.homeId, partnerId, category: c.key, mode: c.mode, userId: opts.userId, now: opts.now });
    await appendAudit(
      tx,
      {
        actorId: opts.userId,
        action: "link.linked",
        entityType: "partner_link",
        entityId: linkId,
        details: { homeId: opts.homeId, partnerId, clientId: request.client.id, choices: Object.fromEntries(chosen.map((c) => [c.key, c.mode])) },
      },
      opts.now,
    );
    return { linkId, redirectTo: await issueAuthorizationCode(tx, request.params, linkId) };
  });
}

async function upsertLink(tx: Executor, homeId: string, partnerId: string, now: Date): Promise<string> {
  const [home] = await tx.select({ region: homes.region }).from(homes).where(eq(homes.id, homeId));
  const fresh = {
    status: "active" as const,
    region: home!.region,
    externalAccountId: `${partnerId}-acct-${randomBytes(8).toString("hex")}`,
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
    callbackUrls: null,
    linkedAt: now,
    endedAt: null,
  };
  const [existing] = await tx
    .select({ id: partnerLinks.id, status: partnerLinks.status })
    .from(partnerLinks)
    .where(and(eq(partnerLinks.homeId, homeId), eq(partnerLinks.partnerId, partnerId)));
  // Linked already (the platform linking again, its tokens lost): the same link, new tokens.
  if (existing?.status === "active") return existing.id;
  if (existing) {
    await tx.update(partnerLinks).set(fresh).where(eq(partnerLinks.id, existing.id));
    return existing.id;
  }
  const [row] = await tx
    .insert(partnerLinks)
    .values({ homeId, partnerId, ...fresh })
    .returning({ id: partnerLinks.id });
  return row!.id;
}

async function setConsent(tx: Executor, c: { homeId: string; partnerId: string; category: string; mode: ShareMode; userId: string; now: Date }) {
  const [latest] = await tx
    .select({ version: consents.version, mode: consents.mode })
    .from(consents)
    .where(and(eq(consents.homeId, c.homeId), eq(consents.partnerId, c.partnerId), eq(consents.categoryKey, c.category)))
    .orderBy(desc(consents.version))
    .limit(1);
  if (latest?.mode === c.mode) return;
  await tx.insert(consents).values({
    homeId: c.homeId,
    partnerId: c.partnerId,
    categoryKey: c.category,
    mode: c.mode,
    version: (latest?.version ?? 0) + 1,
    setBy: c.userId,
    setAt: c.now,
  });
}
