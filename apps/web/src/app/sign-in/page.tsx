import { AuthError } from "next-auth";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { signIn } from "~/server/auth";
import { safePath } from "~/server/safe-path";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; callbackUrl?: string }> }) {
  const { error, callbackUrl } = await searchParams;
  const next = safePath(callbackUrl);

  async function signInAction(formData: FormData) {
    "use server";
    try {
      await signIn("credentials", {
        email: formData.get("email"),
        password: formData.get("password"),
        redirectTo: next,
      });
    } catch (err) {
      // A wrong email or password: back to the form with a message. Anything else (including
      // Next's redirect on success) propagates.
      if (err instanceof AuthError) {
        const code = (err as AuthError & { code?: string }).code === "rate_limited" ? "rate_limited" : "invalid";
        redirect(`/sign-in?error=${code}&callbackUrl=${encodeURIComponent(next)}`);
      }
      throw err;
    }
  }

  return (
    <section className="mx-auto mt-10 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="text-2xl font-semibold">Sign in to Proviso</h1>
      {error ? (
        <p role="alert" className="mt-3 rounded bg-red-50 p-2 text-sm text-red-800">
          {error === "rate_limited" ? "Too many failed attempts. Wait 15 minutes, then try again." : "That email and password do not match an account."}
        </p>
      ) : null}
      <form action={signInAction} className="mt-4 space-y-4">
        <div>
          <label htmlFor="email" className="block text-sm font-medium">
            Email
          </label>
          <input id="email" name="email" type="email" required autoComplete="username" className="mt-1 w-full rounded border border-slate-300 px-3 py-2" />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            required
            autoComplete="current-password"
            className="mt-1 w-full rounded border border-slate-300 px-3 py-2"
          />
        </div>
        <button type="submit" className="w-full rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Sign in
        </button>
      </form>
    </section>
  );
}
