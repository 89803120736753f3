import type { Metadata } from "next";
import { PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { HomeOverview } from "./home-overview";
import { HomeLedger } from "./home-ledger";
import { HomeSharing } from "./home-sharing";
import { LinkPlatforms } from "./link-platforms";

export const metadata: Metadata = { title: "Your home" };

export default async function HomePage() {
  const user = await requireRole("homeowner", "/home");
  const homes = await (await serverCaller()).home.overview();
  return (
    <>
      <PageHeader title="Your home" lead={`Hello ${user.name}. Your devices, and the platforms linked to your home.`} />
      <HomeOverview initial={homes} />
      {homes.map((h) => (
        <section key={h.id} className="mt-8" aria-labelledby={`sharing-title-${h.id}`}>
          <h2 id={`sharing-title-${h.id}`} className="mb-3 text-xl font-semibold">
            Sharing with platforms
          </h2>
          <p className="mb-3 text-sm">
            Take your data with you:{" "}
            <a className="text-brand-700 underline" href={`/api/homes/${h.id}/export?format=json`}>
              everything (JSON)
            </a>{" "}
            ·{" "}
            <a className="text-brand-700 underline" href={`/api/homes/${h.id}/export?format=csv`}>
              what was shared (CSV)
            </a>
          </p>
          <LinkPlatforms homeId={h.id} />
          <HomeSharing homeId={h.id} />
          <div className="mt-6">
            <HomeLedger homeId={h.id} partners={h.links.map((l) => ({ id: l.partnerId, name: l.partnerName }))} />
          </div>
        </section>
      ))}
    </>
  );
}
