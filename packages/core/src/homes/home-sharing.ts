// What each linked partner gets from a home, per data category: the mode in force (off, on
// request, proactive), why, and what the homeowner may choose. And changing it.
import { appendAudit } from "@proviso/audit";
import { CATEGORIES, categoryName, type ShareMode, FULFIL_REQUEST } from "@proviso/domain";
import { consents, homeMemberships, type Database, type Executor } from "@proviso/db";
import { agreedModes, compileSnapshot, describeMode, explainForHomeowner, modeReasons, plainAgreementSummary } from "@proviso/policy";
import { loadHomeSnapshot } from "@proviso/snapshot";
import { and, desc, eq } from "drizzle-orm";
import { AppError } from "../errors";

/** Throws NOT_FOUND unless the user belongs to the home: another home behaves like a missing one. */
export async function assertMember(db: Executor, userId: string, homeId: string) {
  const [m] = await db
    .select({ homeId: homeMemberships.homeId })
    .from(homeMemberships)
    .where(and(eq(homeMemberships.userId, userId), eq(homeMemberships.homeId, homeId)));
  if (!m) throw new AppError("NOT_FOUND", "Home not found");
}

export async function getHomeSharing(db: Executor, opts: { userId: string; homeId: string; now: Date }) {
  await assertMember(db, opts.userId, opts.homeId);
  const { snapshot, links, deviceCategories } = await loadHomeSnapshot(db, opts.homeId);
  const policy = compileSnapshot(snapshot);
  const at = opts.now.getTime();
  return links.map((link) => {
    const categories = CATEGORIES.filter((c) => deviceCategories.has(c.key)).map((c) => {
      const agreed = agreedModes(policy, link.partnerId, c.key, at);
      const consent = snapshot.consents.find((x) => x.partnerId === link.partnerId && x.category === c.key);
      const q = { partnerId: link.partnerId, homeId: opts.homeId, modelKey: "", category: c.key, purpose: FULFIL_REQUEST, at };
      const proactive = modeReasons(policy, q, "proactive");
      const onRequest = modeReasons(policy, q, "on_request");
      const inForce: ShareMode = proactive.allowed ? "proactive" : onRequest.allowed ? "on_request" : "off";
      // Why: what allows the mode in force, and what keeps it from the next one up.
      const explain = (m: typeof proactive, mode: "on_request" | "proactive") =>
        m.reasons.map((r) => explainForHomeowner(r, { partnerName: link.partnerName, category: c.key, mode }));
      const why =
        inForce === "proactive"
          ? explain(proactive, "proactive")
          : inForce === "on_request"
            ? [...explain(onRequest, "on_request"), ...explain(proactive, "proactive")]
            : explain(onRequest, "on_request");
      return {
        category: c.key,
        name: categoryName(c.key),
        inForce,
        consent: consent ? { mode: consent.mode, version: consent.version } : null,
        description: describeMode(link.partnerName, c.key, inForce),
        why: why.filter((line, i) => why.indexOf(line) === i),
        options: (["off", ...agreed.modes] as ShareMode[]).map((mode) => ({ mode, label: describeMode(link.partnerName, c.key, mode) })),
      };
    });
    const inForce = snapshot.versions.find((v) => v.partnerId === link.partnerId && v.effectiveFrom <= at && (v.endsAt === null || at < v.endsAt));
    const agreement = inForce
      ? { version: inForce.version, effectiveFrom: new Date(inForce.effectiveFrom), summary: plainAgreementSummary(link.partnerName, inForce.clauses) }
      : null;
    return { linkId: link.linkId, partnerId: link.partnerId, partnerName: link.partnerName, status: link.status, categories, agreement };
  });
}

/**
 * A homeowner's choice for one partner × category, appended as the next consent version. Only
 * `off` and the modes the agreement in force allows are accepted; the link must be active.
 */
export async function setHomeConsent(db: Database, opts: { userId: string; homeId: string; partnerId: string; category: string; mode: ShareMode; now: Date }) {
  return db.transaction(async (tx) => {
    await assertMember(tx, opts.userId, opts.homeId);
    const { snapshot, links } = await loadHomeSnapshot(tx, opts.homeId);
    const link = links.find((l) => l.partnerId === opts.partnerId);
    if (!link) throw new AppError("NOT_FOUND", "This platform is not linked to your home");
    if (link.status !== "active") throw new AppError("CONFLICT", `${link.partnerName} is no longer linked to your home`);
    if (opts.mode !== "off") {
      const allowed = agreedModes(compileSnapshot(snapshot), opts.partnerId, opts.category, opts.now.getTime()).modes;
      if (!allowed.includes(opts.mode)) {
        throw new AppError(
          "INVALID",
          `The agreement with ${link.partnerName} does not allow ${opts.mode.replace("_", " ")} for ${categoryName(opts.category)}`,
          {
            mode: [`Choose one of: off${allowed.length ? `, ${allowed.join(", ").replace(/_/g, " ")}` : ""}`],
          },
        );
      }
    }
    const [latest] = await tx
      .select({ version: consents.version })
      .from(consents)
      .where(and(eq(consents.homeId, opts.homeId), eq(consents.partnerId, opts.partnerId), eq(consents.categoryKey, opts.category)))
      .orderBy(desc(consents.version))
      .limit(1);
    const [row] = await tx
      .insert(consents)
      .values({
        homeId: opts.homeId,
        partnerId: opts.partnerId,
        categoryKey: opts.category,
        mode: opts.mode,
        version: (latest?.version ?? 0) + 1,
        setBy: opts.userId,
        setAt: opts.now,
      })
      .returning();
    await appendAudit(
      tx,
      {
        actorId: opts.userId,
        action: "consent.changed",
        entityType: "consent",
        entityId: `${opts.homeId}/${opts.partnerId}/${opts.category}`,
        details: { homeId: opts.homeId, partnerId: opts.partnerId, category: opts.category, mode: row!.mode, version: row!.version, consentId: row!.id },
      },
      opts.now,
    );
    return { version: row!.version, mode: row!.mode };
  });
}
