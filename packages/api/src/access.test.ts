// The authorisation matrix, walked from the router itself: every procedure is called as every role
// and signed out, and must answer exactly as the ACCESS table says.
import type { SessionUser } from "@proviso/auth";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { ROLES, type Role } from "@proviso/domain";
import { DEMO_LOGINS, seed, stableId } from "@proviso/seed";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS, rolesAllowed } from "./access";
import { appRouter, createCaller } from "./root";
import { createContext } from "./trpc";

let t: TestDatabase;
const users = {} as Record<Role, SessionUser>;

async function userByEmail(email: string): Promise<SessionUser> {
  const { rows } = await t.pool.query('select id, email, name, role, partner_id as "partnerId" from users where email = $1', [email]);
  if (!rows[0]) throw new Error(`no user ${email}`);
  return rows[0];
}

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 6, now: new Date("2026-11-24T00:00:00Z") });
  for (const role of ROLES) users[role] = await userByEmail(DEMO_LOGINS[role]);
});
afterAll(async () => t?.drop());

const routerPaths = Object.keys(appRouter._def.procedures).sort();

async function call(path: string, user: SessionUser | null): Promise<TRPCError["code"] | "OK"> {
  const caller = createCaller(createContext({ db: t.db, user })) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  try {
    await (fn as (input?: unknown) => Promise<unknown>)(undefined);
    return "OK";
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
}

describe("authorisation matrix", () => {
  it("lists every procedure of the router, and nothing else", () => {
    expect(routerPaths).toEqual(Object.keys(ACCESS).sort());
  });

  const callers: (Role | "signed out")[] = [...ROLES, "signed out"];
  it.each(routerPaths.flatMap((path) => callers.map((who) => [path, who] as const)))("%s as %s", async (path, who) => {
    const user = who === "signed out" ? null : users[who];
    const access = ACCESS[path as keyof typeof ACCESS];
    const result = await call(path, user);
    if (rolesAllowed(access, user?.role ?? null)) {
      expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(result);
    } else {
      expect(result).toBe(user ? "FORBIDDEN" : "UNAUTHORIZED");
    }
  });
});

describe("tenancy", () => {
  it("shows a partner's staff only their own partner's agreements and demands", async () => {
    const google = await userByEmail("google@partners.proviso.test");
    const overview = await createCaller(createContext({ db: t.db, user: google })).partnerPortal.overview();
    expect(overview.partner.id).toBe("google-home");
    expect(overview.versions.every((v) => v.title.startsWith("Google"))).toBe(true);
    expect(overview.demands).toHaveLength(1);
    // Drafts are the maker's own business until submitted.
    expect(overview.versions.some((v) => v.status === "draft")).toBe(false);
  });

  it("gives a partner's staff only their own demands and statistics, and refuses another partner's listing", async () => {
    const google = await userByEmail("google@partners.proviso.test");
    const caller = createCaller(createContext({ db: t.db, user: google }));
    const demands = await caller.partnerPortal.demands();
    const alexaDemands = (await t.pool.query("select id from partner_demands where partner_id = 'alexa'")).rows.map((r: { id: string }) => r.id);
    expect(alexaDemands.length).toBeGreaterThan(0);
    expect(demands.some((d) => alexaDemands.includes(d.id))).toBe(false);
    const stats = await caller.partnerPortal.stats();
    const alexaListings = (
      await t.pool.query("select l.id from retail_listings l join retail_channels c on c.id = l.channel_id where c.partner_id = 'alexa'")
    ).rows.map((r: { id: string }) => r.id);
    expect(stats.listings.some((l) => alexaListings.includes(l.id))).toBe(false);
    // Filing against another partner's listing (a guessed id) is refused and writes nothing.
    const before = (await t.pool.query("select count(*)::int as n from partner_demands")).rows[0].n;
    await expect(
      caller.partnerPortal.fileDemand({
        category: "user.device.sensor.lock_state",
        mode: "proactive",
        purpose: "functional.service.fulfil_request",
        leverage: "retail_listing",
        listingId: alexaListings[0],
        description: "x",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await t.pool.query("select count(*)::int as n from partner_demands")).rows[0].n).toBe(before);
    // The managers' view of any partner is not theirs.
    await expect(caller.partners.leverage({ partnerId: "alexa" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("shows a homeowner only the homes they belong to", async () => {
    const homes = await createCaller(createContext({ db: t.db, user: users.homeowner })).home.overview();
    expect(homes.map((h) => h.id)).toEqual([stableId("home:0")]);
    const other = await userByEmail("owner3@homes.proviso.test");
    const theirs = await createCaller(createContext({ db: t.db, user: other })).home.overview();
    expect(theirs.map((h) => h.id)).toEqual([stableId("home:3")]);
  });

  it("lets partner staff read their own versions, and treats another partner's as missing", async () => {
    const alexa = createCaller(createContext({ db: t.db, user: users.partner }));
    const own = await alexa.partnerPortal.version({ versionId: stableId("version:alexa:2") });
    expect(own).toMatchObject({ partnerId: "alexa", version: 2, status: "in_review" });
    await expect(alexa.partnerPortal.version({ versionId: stableId("version:google-home:1") })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(alexa.partnerPortal.version({ versionId: stableId("version:nope:1") })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("keeps drafts from partners until they are submitted", async () => {
    const manager = createCaller(createContext({ db: t.db, user: users.partner_manager }));
    const draft = await manager.agreements.createDraft({ agreementId: stableId("agreement:alexa") });
    const alexa = createCaller(createContext({ db: t.db, user: users.partner }));
    await expect(alexa.partnerPortal.version({ versionId: draft.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("returns field-level errors keyed by the input path", async () => {
    const manager = createCaller(createContext({ db: t.db, user: users.partner_manager }));
    const err = await manager.agreements
      .saveDraft({
        versionId: stableId("version:alexa:2"),
        summary: "",
        effectiveFrom: new Date(),
        expiresAt: null,
        clauses: [{ clauseKey: "x", title: "", legalText: "t", terms: { kind: "rate_limit", maxPerMinute: 0, scope: "home" } }],
      } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("BAD_REQUEST");
  });

  it("never lets a homeowner read or change another home's sharing, whatever ids they send", async () => {
    const me = createCaller(createContext({ db: t.db, user: users.homeowner }));
    const other = stableId("home:3");
    const consentsOf = async () => (await t.pool.query("select count(*)::int as n from consents where home_id = $1", [other])).rows[0].n as number;
    const activeLinksOf = async () =>
      (await t.pool.query("select count(*)::int as n from partner_links where home_id = $1 and status = 'active'", [other])).rows[0].n as number;
    const consentsBefore = await consentsOf();
    const linksBefore = await activeLinksOf();
    expect(linksBefore).toBeGreaterThan(0);
    await expect(me.home.sharing({ homeId: other })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(me.home.ledger({ homeId: other })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(me.home.shareChart({ homeId: other })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(me.home.unlink({ homeId: other, partnerId: "alexa" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(me.home.deletionRequests({ homeId: other })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(me.home.linkable({ homeId: other })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(me.home.setConsent({ homeId: other, partnerId: "alexa", category: "user.device.sensor.temperature", mode: "off" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    // Nothing of the other home changed: no consent appended, no link ended.
    expect(await consentsOf()).toBe(consentsBefore);
    expect(await activeLinksOf()).toBe(linksBefore);
  });

  it("offers and accepts only the modes the agreement allows, appending each choice", async () => {
    const me = createCaller(createContext({ db: t.db, user: users.homeowner }));
    const home = stableId("home:0");
    const sharing = await me.home.sharing({ homeId: home });
    const alexa = sharing.find((p) => p.partnerId === "alexa")!;
    const temperature = alexa.categories.find((c) => c.category === "user.device.sensor.temperature")!;
    expect(temperature.options.map((o) => o.mode)).toEqual(["off", "on_request"]);
    expect(temperature.options[1]!.label).toBe("Amazon Alexa learns your temperature only when you ask");
    await expect(me.home.setConsent({ homeId: home, partnerId: "alexa", category: "user.device.sensor.temperature", mode: "proactive" })).rejects.toMatchObject(
      { code: "BAD_REQUEST" },
    );
    const first = await me.home.setConsent({ homeId: home, partnerId: "alexa", category: "user.device.sensor.temperature", mode: "on_request" });
    const second = await me.home.setConsent({ homeId: home, partnerId: "alexa", category: "user.device.sensor.temperature", mode: "off" });
    expect(second.version).toBe(first.version + 1);
    const after = (await me.home.sharing({ homeId: home })).find((p) => p.partnerId === "alexa")!;
    const t2 = after.categories.find((c) => c.category === "user.device.sensor.temperature")!;
    expect(t2.inForce).toBe("off");
    expect(t2.why).toContain("You turned off sharing your temperature with Amazon Alexa.");
  });

  it("unlinks at once: the link ends, consents turn off, and a deletion request carries the clause's deadline", async () => {
    const me = createCaller(createContext({ db: t.db, user: users.homeowner }));
    const home = stableId("home:0");
    // Google can be linked from the dashboard (its app's page is known) once it is not linked any more.
    await t.pool.query("update partners set link_url = 'https://google.example/link' where id = 'google-home'");
    expect((await me.home.linkable({ homeId: home })).map((p) => p.partnerId)).not.toContain("google-home");
    const before = Date.now();
    const r = await me.home.unlink({ homeId: home, partnerId: "google-home" });
    expect(await me.home.linkable({ homeId: home })).toContainEqual({
      partnerId: "google-home",
      partnerName: "Google Home",
      linkUrl: "https://google.example/link",
      linkedBefore: true,
    });
    expect(r.clauseKey).toBe("5.1");
    const days = (r.deadline.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    const link = (await me.home.overview())[0]!.links.find((l) => l.partnerId === "google-home")!;
    expect(link.status).toBe("unlinked");
    const open = await t.pool.query(
      `select count(*)::int as n from (select distinct on (category_key) mode from consents
        where home_id = $1 and partner_id = 'google-home' order by category_key, version desc) c where mode <> 'off'`,
      [home],
    );
    expect(open.rows[0].n).toBe(0);
    expect((await me.home.deletionRequests({ homeId: home })).map((d) => [d.partnerId, d.status])).toEqual([["google-home", "pending"]]);
    await expect(me.home.unlink({ homeId: home, partnerId: "google-home" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("treats a partner session without a partner as forbidden, not as every partner", async () => {
    const broken = { ...users.partner, partnerId: null };
    await expect(createCaller(createContext({ db: t.db, user: broken })).partnerPortal.overview()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
