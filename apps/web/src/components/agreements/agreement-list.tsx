import type { AppRouter } from "@proviso/api";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { Badge, Card, formatDate } from "~/components/ui";
import { NewDraftButton } from "./actions";

type Agreements = inferRouterOutputs<AppRouter>["agreements"]["list"];

export function AgreementList({ agreements, basePath }: { agreements: Agreements; basePath: string }) {
  return (
    <div className="space-y-4">
      {agreements.map((a) => (
        <Card key={a.agreementId} title={`${a.partnerName}: ${a.title}`} id={`agreement-${a.agreementId}`}>
          <ul className="divide-y divide-slate-100">
            {a.versions.map((v) => (
              <li key={v.versionId} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span>
                  <Link href={`${basePath}/versions/${v.versionId}`} className="font-medium text-brand-700 underline">
                    v{v.version}
                  </Link>{" "}
                  <Badge value={v.status} /> <span className="text-sm text-slate-700">{v.summary}</span>
                </span>
                <span className="text-sm text-slate-600">
                  effective {formatDate(v.effectiveFrom)} · {v.authorName ?? "—"}
                </span>
              </li>
            ))}
          </ul>
          <div className="mt-3">
            <NewDraftButton agreementId={a.agreementId} basePath={basePath} />
          </div>
        </Card>
      ))}
    </div>
  );
}
