// Account linking's authorize page: a platform's app sends the homeowner here (OAuth 2
// authorization code with PKCE). Signed in, they see what the platform would receive under the
// agreement in force, choose, and approve or cancel; the platform is then sent back with a code
// (or access_denied). A request that fails its checks is explained and never redirected.
import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { ApprovalForm } from "./approval-form";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("Linking");
  return { title: t("pageTitle") };
}

type Search = Record<string, string | string[] | undefined>;

export default async function AuthorizePage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  // One value per parameter: a repeated one is taken as the request's first (the checks then judge it).
  const params = Object.fromEntries(
    Object.entries(search).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : Array.isArray(v) && v[0] ? [[k, v[0]]] : [])),
  );
  const { home, ...oauth } = params;
  await requireRole("homeowner", `/link/authorize?${new URLSearchParams(params).toString()}`);
  const t = await getTranslations("Linking");
  const answer = await (await serverCaller()).linking.offer({ params: oauth, homeId: home && /^[0-9a-f-]{36}$/.test(home) ? home : undefined });
  if (!answer.ok) {
    return (
      <div role="alert">
        <PageHeader title={t("refused")} lead={t("refusedLead", { reason: answer.error })} />
      </div>
    );
  }
  const { offer } = answer;
  return (
    <>
      <PageHeader title={t("title", { partner: offer.partner.name })} lead={t("lead", { partner: offer.partner.name })} />
      <ApprovalForm offer={offer} params={oauth} />
    </>
  );
}
