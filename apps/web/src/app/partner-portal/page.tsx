import type { Metadata } from "next";
import { Badge, Card, formatDate, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";

export const metadata: Metadata = { title: "Partner portal" };

export default async function PartnerPortalPage() {
  await requireRole("partner", "/partner-portal");
  const { partner, versions, demands } = await (await serverCaller()).partnerPortal.overview();
  return (
    <>
      <PageHeader title={`${partner.name}: partner portal`} lead="Your agreements with the maker, and the terms you have asked for." />
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
        <Card title="Your requests">
          <ul className="divide-y divide-slate-100">
            {demands.map((d) => (
              <li key={d.id} className="py-2">
                <p className="font-medium">
                  {d.category}, {d.mode.replace("_", " ")} <Badge value={d.status} />
                </p>
                <p className="text-sm text-slate-700">{d.description}</p>
                <p className="text-sm text-slate-600">Deadline {formatDate(d.deadline)}</p>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </>
  );
}
