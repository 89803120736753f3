import type { Metadata } from "next";
import Link from "next/link";
import { Card, formatDate, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";

export const metadata: Metadata = { title: "Legal review" };

export default async function LegalPage() {
  await requireRole("legal", "/legal");
  const queue = await (await serverCaller()).legal.reviewQueue();
  return (
    <>
      <PageHeader title="Legal review" lead="Agreement versions waiting for your review." />
      <nav aria-label="Legal" className="mb-4 flex flex-wrap gap-4">
        <Link href="/legal/agreements" className="text-brand-700 underline">
          All agreements
        </Link>
        <Link href="/legal/reports" className="text-brand-700 underline">
          Sharing reports
        </Link>
        <Link href="/legal/audit" className="text-brand-700 underline">
          Audit log and verification
        </Link>
        <Link href="/legal/was-shared" className="text-brand-700 underline">
          Was this shared?
        </Link>
      </nav>
      <Card title="Review queue">
        {queue.length === 0 ? (
          <p>Nothing is waiting for review.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {queue.map((v) => (
              <li key={v.versionId} className="py-3">
                <Link href={`/legal/review/${v.versionId}`} className="font-medium text-brand-700 underline">
                  {v.partnerName}: {v.agreementTitle}, v{v.version}
                </Link>
                <p className="text-sm text-slate-700">{v.summary}</p>
                <p className="text-sm text-slate-600">
                  Drafted by {v.authorName ?? "unknown"} · submitted {formatDate(v.submittedAt)} · effective {formatDate(v.effectiveFrom)}
                </p>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
