import { test as base, expect, type APIRequestContext } from "@playwright/test";

export const PASSWORD = "proviso-demo";
export const LOGINS = {
  homeowner: "homeowner@proviso.test",
  partner_manager: "manager@proviso.test",
  legal: "legal@proviso.test",
  partner: "alexa@partners.proviso.test",
} as const;
export type Role = keyof typeof LOGINS;

/** Signs in through Auth.js's own API (not the form): CSRF token, then the credentials callback. */
export async function signInViaApi(request: APIRequestContext, role: Role, email: string = LOGINS[role]) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", {
    form: { email, password: PASSWORD, csrfToken, callbackUrl: "/" },
    maxRedirects: 0,
  });
  expect(res.status(), "credentials callback answers with a redirect").toBe(302);
  const session = (await (await request.get("/api/auth/session")).json()) as { user?: { role?: string } };
  expect(session.user?.role).toBe(role);
}

/** Calls a tRPC query over HTTP, as the browser's client would. */
export async function trpcQuery(request: APIRequestContext, path: string) {
  const res = await request.get(`/api/trpc/${path}`);
  const body = (await res.json()) as { error?: { json: { data: { code: string } } } };
  return { status: res.status(), code: body.error?.json.data.code ?? null };
}

/** Calls a tRPC mutation over HTTP, as the browser's client would (superjson); throws with the error's code. */
export async function trpcMutation<T = unknown>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const res = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: { json: { message: string; data: { code: string } } } };
  if (body.error) throw new Error(`${path}: ${body.error.json.data.code} ${body.error.json.message}`);
  return body.result!.data.json;
}

type Mode = "off" | "on_request" | "proactive";

/**
 * The product's own API for the tests, as cal.com's fixtures do it: `as(role, email?)` is a
 * request context signed in through Auth.js's API (every seeded user shares the demo password),
 * disposed after the test; `setConsent` changes a home's sharing as its homeowner does in the app.
 */
export const test = base.extend<{
  as: (role: Role, email?: string) => Promise<APIRequestContext>;
  setConsent: (owner: string, homeId: string, partnerId: string, category: string, mode: Mode) => Promise<void>;
}>({
  as: async ({ playwright, baseURL }, use) => {
    const opened: APIRequestContext[] = [];
    await use(async (role, email) => {
      const ctx = await playwright.request.newContext({ baseURL });
      opened.push(ctx);
      await signInViaApi(ctx, role, email);
      return ctx;
    });
    for (const ctx of opened) await ctx.dispose();
  },
  setConsent: async ({ as }, use) => {
    const owners = new Map<string, APIRequestContext>();
    await use(async (owner, homeId, partnerId, category, mode) => {
      let ctx = owners.get(owner);
      if (!ctx) owners.set(owner, (ctx = await as("homeowner", owner)));
      await trpcMutation(ctx, "home.setConsent", { homeId, partnerId, category, mode });
    });
  },
});
export { expect };
