// Agreement pages shared by the partner managers' and legal's areas (each under its own path).
import type { Role } from "@proviso/domain";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { SubmitForReviewButton, TerminateForm } from "./actions";
import { AgreementList } from "./agreement-list";
import { DraftEditor } from "./draft-editor";
import { VersionDocument } from "./version-document";

type StaffRole = Extract<Role, "partner_manager" | "legal">;

export async function AgreementsPage({ role, basePath }: { role: StaffRole; basePath: string }) {
  await requireRole(role, `${basePath}/agreements`);
  const agreements = await (await serverCaller()).agreements.list();
  return (
    <>
      <PageHeader title="Agreements" lead="Every partner's agreement, version by version. Draft a new version from the one in force." />
      <AgreementList agreements={agreements} basePath={basePath} />
    </>
  );
}

async function loadVersion(versionId: string) {
  const caller = await serverCaller();
  try {
    return await caller.agreements.version({ versionId });
  } catch {
    notFound();
  }
}

export async function VersionPage({ role, basePath, versionId }: { role: StaffRole; basePath: string; versionId: string }) {
  await requireRole(role, `${basePath}/versions/${versionId}`);
  const doc = await loadVersion(versionId);
  return (
    <>
      <PageHeader title={`${doc.partnerName}: ${doc.title}, v${doc.version}`} lead={doc.summary} />
      <div className="mb-4 flex flex-wrap items-start gap-4">
        <a href={`/api/agreement-versions/${doc.versionId}/pdf`} className="rounded border border-slate-300 px-4 py-2 hover:bg-slate-100">
          Download PDF
        </a>
        {doc.status === "draft" ? (
          <>
            <Link href={`${basePath}/versions/${doc.versionId}/edit`} className="rounded border border-slate-300 px-4 py-2 hover:bg-slate-100">
              Edit draft
            </Link>
            <SubmitForReviewButton versionId={doc.versionId} />
          </>
        ) : null}
        {doc.status === "in_review" && role === "legal" ? (
          <Link href={`/legal/review/${doc.versionId}`} className="rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Review this version
          </Link>
        ) : null}
      </div>
      <VersionDocument doc={doc} />
      {doc.status === "active" || doc.status === "approved" ? (
        <div className="mt-4">
          <Card title="Terminate">
            <TerminationRisk versionId={doc.versionId} />
            <TerminateForm versionId={doc.versionId} />
          </Card>
        </div>
      ) : null}
    </>
  );
}

/** Before anyone terminates: the retail listings that hang on this version's clauses. */
async function TerminationRisk({ versionId }: { versionId: string }) {
  const atRisk = await (await serverCaller()).agreements.terminationRisk({ versionId });
  if (!atRisk.length) return <p className="mb-2 text-sm">No retail listing depends on this version's clauses.</p>;
  return (
    <div className="mb-3 text-sm" data-testid="termination-risk">
      <p className="font-medium">Terminating puts these retail listings at risk:</p>
      <ul className="ml-5 list-disc">
        {atRisk.map((l) => (
          <li key={l.id}>
            {l.sku} on {l.channel} (depends on clause{l.removedClauses.length === 1 ? "" : "s"} {l.removedClauses.join(", ")})
          </li>
        ))}
      </ul>
    </div>
  );
}

export async function EditVersionPage({ role, basePath, versionId }: { role: StaffRole; basePath: string; versionId: string }) {
  await requireRole(role, `${basePath}/versions/${versionId}/edit`);
  const doc = await loadVersion(versionId);
  return (
    <>
      <PageHeader title={`Draft: ${doc.partnerName}, v${doc.version}`} lead="Edit the clauses and their terms, then submit the draft for legal review." />
      {doc.status === "draft" ? (
        <DraftEditor doc={doc} basePath={basePath} />
      ) : (
        <p>
          This version is {doc.status.replace("_", " ")} and can no longer be edited.{" "}
          <Link className="text-brand-700 underline" href={`${basePath}/versions/${doc.versionId}`}>
            Read it
          </Link>
          .
        </p>
      )}
    </>
  );
}
