import { categoryName } from "@proviso/domain";
import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Badge, Card, formatDate, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { DeletionRequests } from "./deletion-requests";
import { FileDemand } from "./file-demand";

export const metadata: Metadata = { title: "Partner portal" };

type PartnerPortal = Awaited<ReturnType<typeof serverCaller>>["partnerPortal"];
type Demands = Awaited<ReturnType<PartnerPortal["demands"]>>;
type Stats = Awaited<ReturnType<PartnerPortal["stats"]>>;

export default async function PartnerPortalPage() {
  await requireRole("partner", "/partner-portal");
  const caller = await serverCaller();
  const t = await getTranslations("Checkpoints");
  const [{ partner, versions }, demands, stats] = await Promise.all([
    caller.partnerPortal.overview(),
    caller.partnerPortal.demands(),
    caller.partnerPortal.stats(),
  ]);
  return (
    <>
      <PageHeader title={`${partner.name}: partner portal`} lead="Your agreements with the maker, the terms you have asked for, and what reached you." />
      <div className="grid gap-4 md:grid-cols-2">
        <Card title="Agreements">
          <ul className="divide-y divide-slate-100">
            {versions.map((v) => (
              <li key={v.id} className="py-2">
                <p className="font-medium">
                  {v.title}, v{v.version} <Badge value={v.status} />
                </p>
                <p className="text-sm text-slate-700">{v.summary}</p>
                <p className="text-sm text-slate-600">Effective {formatDate(v.effectiveFrom)}</p>
              </li>
            ))}
          </ul>
        </Card>
        <RequestsCard demands={demands} />
        <Card title="File a new demand">
          <FileDemand listings={stats.listings} programmes={stats.programmes} />
        </Card>
        <StatisticsCard stats={stats} />
        <DeletionRequests />
        <Card title={t("title")}>
          <p className="mb-2 text-sm text-slate-700">{t("lead")}</p>
          <a className="text-brand-700 underline" href="/api/partner-portal/checkpoints" data-testid="download-checkpoints">
            {t("download")}
          </a>
        </Card>
      </div>
    </>
  );
}

function RequestsCard({ demands }: { demands: Demands }) {
  return (
    <Card title="Your requests">
      <ul className="divide-y divide-slate-100" data-testid="my-demands">
        {demands.map((d) => (
          <li key={d.id} className="py-2">
            <p className="font-medium">
              {d.summary} <Badge value={d.status} />
            </p>
            <p className="text-sm text-slate-700">{d.description}</p>
            <p className="text-sm text-slate-600">
              Leverage: {d.leverageLabel} · deadline {formatDate(d.deadline)}
              {d.answeredByVersion ? ` · answered with draft v${d.answeredByVersion}` : ""}
              {d.responseNote ? ` · “${d.responseNote}”` : ""}
            </p>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function StatisticsCard({ stats }: { stats: Stats }) {
  const byCategory = new Map<string, Record<string, number>>();
  for (const d of stats.decisions) byCategory.set(d.category, { ...(byCategory.get(d.category) ?? {}), [d.outcome]: d.count });
  return (
    <Card title="Your statistics (30 days)">
      <p className="mb-2 text-sm">
        Deliveries in 24 hours: {stats.health.delivered} delivered, {stats.health.queued} queued, {stats.health.deadLettered} dead-lettered,{" "}
        {stats.health.rateLimited} rate-limited.
      </p>
      <table className="w-full text-left text-sm">
        <thead className="text-slate-600">
          <tr>
            <th scope="col">Category</th>
            <th scope="col" className="text-right">
              Sent
            </th>
            <th scope="col" className="text-right">
              Minimised
            </th>
            <th scope="col" className="text-right">
              Withheld
            </th>
          </tr>
        </thead>
        <tbody>
          {[...byCategory].map(([category, c]) => (
            <tr key={category} className="border-t border-slate-100">
              <td className="py-1">{categoryName(category)}</td>
              <td className="text-right tabular-nums">{c.send ?? 0}</td>
              <td className="text-right tabular-nums">{c.transform ?? 0}</td>
              <td className="text-right tabular-nums">{c.withhold ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
