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

export const test = base;
export { expect };
