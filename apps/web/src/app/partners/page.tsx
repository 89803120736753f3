import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";

export const metadata: Metadata = { title: "Partners" };

export default async function PartnersPage() {
  await requireRole("partner_manager", "/partners");
  const partners = await (await serverCaller()).partners.list();
  return (
    <>
      <PageHeader title="Partner platforms" lead="Agreements in force and in negotiation, linked homes and open demands." />
      <p className="mb-4">
        <Link href="/partners/agreements" className="text-brand-700 underline">
          Agreements and drafts
        </Link>
      </p>
      <Card title="Partners">
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-slate-700">
              <tr>
                <th scope="col" className="py-2 pr-4">
                  Partner
                </th>
                <th scope="col" className="py-2 pr-4">
                  Active version
                </th>
                <th scope="col" className="py-2 pr-4">
                  In progress
                </th>
                <th scope="col" className="py-2 pr-4">
                  Linked homes
                </th>
                <th scope="col" className="py-2 pr-4">
                  Open demands
                </th>
              </tr>
            </thead>
            <tbody>
              {partners.map((p) => (
                <tr key={p.id} className="border-b border-slate-100">
                  <th scope="row" className="py-2 pr-4 font-medium">
                    <Link href={`/partners/${p.id}`} className="text-brand-700 underline">
                      {p.name}
                    </Link>
                  </th>
                  <td className="py-2 pr-4">{p.activeVersion ? `v${p.activeVersion}` : "none"}</td>
                  <td className="py-2 pr-4">
                    {p.pendingVersions.length === 0
                      ? "—"
                      : p.pendingVersions.map((v) => (
                          <span key={v.version} className="mr-2">
                            v{v.version} <Badge value={v.status} />
                          </span>
                        ))}
                  </td>
                  <td className="py-2 pr-4">{p.activeLinks}</td>
                  <td className="py-2 pr-4">{p.openDemands}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
