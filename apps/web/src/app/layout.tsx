import { ROLE_HOME, ROLE_LABEL } from "@proviso/domain";
import type { Metadata } from "next";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import Link from "next/link";
import type { ReactNode } from "react";
import { currentUser, signOut } from "~/server/auth";
import { TRPCReactProvider } from "~/trpc/react";
import { LanguageSwitch } from "./language-switch";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Proviso", template: "%s · Proviso" },
  description: "Negotiate, record and enforce the data-sharing terms agreed with partner platforms.",
};

// Every page depends on who is signed in.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  const locale = await getLocale();
  const t = await getTranslations("Shell");
  return (
    <html lang={locale}>
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
          {t("skipToContent")}
        </a>
        <header className="border-b border-slate-200 bg-white">
          <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
            <Link href={user ? ROLE_HOME[user.role] : "/"} className="text-lg font-semibold text-brand-900">
              Proviso
            </Link>
            <div className="flex flex-wrap items-center gap-3 text-sm">
              <LanguageSwitch />
              {user ? (
                <div className="flex items-center gap-3 text-sm">
                  <span>
                    <span className="font-medium">{user.name}</span>
                    <span className="text-slate-600"> · {ROLE_LABEL[user.role]}</span>
                  </span>
                  <form
                    action={async () => {
                      "use server";
                      await signOut({ redirectTo: "/sign-in" });
                    }}
                  >
                    <button type="submit" className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-100">
                      {t("signOut")}
                    </button>
                  </form>
                </div>
              ) : null}
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto max-w-6xl px-4 py-6">
          <NextIntlClientProvider>
            <TRPCReactProvider>{children}</TRPCReactProvider>
          </NextIntlClientProvider>
        </main>
      </body>
    </html>
  );
}
