import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Card, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { SignCheckpoint, VerifyAudit } from "./audit-controls";

export const metadata: Metadata = { title: "Audit log" };

type Legal = Awaited<ReturnType<typeof serverCaller>>["legal"];
type Checkpoints = Awaited<ReturnType<Legal["checkpoints"]>>;
type AuditEntry = Awaited<ReturnType<Legal["auditEntries"]>>["entries"][number];

export default async function AuditPage() {
  await requireRole("legal", "/legal/audit");
  const caller = await serverCaller();
  const [{ head, entries }, cps] = await Promise.all([caller.legal.auditEntries({ limit: 30 }), caller.legal.checkpoints()]);
  return (
    <>
      <PageHeader
        title="Audit log"
        lead="Every administrative change and every batch of decisions is appended to a hash chain in the same transaction as the change. Signed checkpoints let a third party check later that the record was not rewritten."
      />
      <div className="grid gap-4">
        <IntegrityAlerts alerts={cps.integrityAlerts} />
        <Card title="Verify">
          <p className="mb-3 text-sm text-slate-700">
            The chain has {head?.seq.toLocaleString("en-GB") ?? 0} entries; its head hash is <code className="break-all text-xs">{head?.hash}</code>.
          </p>
          <VerifyAudit />
        </Card>
        <CheckpointsCard cps={cps} />
        <LatestEntriesCard entries={entries} />
      </div>
    </>
  );
}

/** What the signer refused (the chain no longer extends a checkpoint): shown first, until acknowledged. */
async function IntegrityAlerts({ alerts }: { alerts: Checkpoints["integrityAlerts"] }) {
  if (alerts.length === 0) return null;
  const t = await getTranslations("Integrity");
  return (
    <section role="alert" aria-labelledby="integrity-title" className="rounded border border-red-300 bg-red-50 p-4 text-sm text-red-900">
      <h2 id="integrity-title" className="mb-2 font-semibold">
        {t("title")}
      </h2>
      <p className="mb-2">{t("lead")}</p>
      <ul className="list-disc space-y-1 pl-5">
        {alerts.map((a) => (
          <li key={a.id}>
            <time dateTime={a.raisedAt.toISOString()}>{a.raisedAt.toISOString().replace("T", " ").slice(0, 16)} UTC</time> — {a.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

function CheckpointsCard({ cps }: { cps: Checkpoints }) {
  return (
    <Card title="Signed checkpoints">
      <p className="mb-2 text-sm text-slate-700">
        {cps.keyId ? (
          <>
            Signed with Ed25519 key <code>{cps.keyId}</code> (public key{" "}
            <code data-testid="public-key" className="break-all text-xs">
              {cps.publicKey}
            </code>
            ).
          </>
        ) : (
          "No signing key is configured (AUDIT_SIGNING_KEY)."
        )}{" "}
        Check an exported checkpoint with <code>npm run audit:verify -- --checkpoint FILE</code>.
      </p>
      <SignCheckpoint enabled={!!cps.keyId} />
      <ul className="mt-3 divide-y divide-slate-100 text-sm">
        {cps.checkpoints.map((c) => (
          <li key={c.id} className="flex flex-wrap items-center gap-3 py-2">
            <span>
              Checkpoint {c.id}: entry #{c.uptoSeq}
              {c.prevSeq !== null ? `, after entry #${c.prevSeq}` : ""} · {c.createdAt.replace("T", " ").slice(0, 19)} UTC · key {c.keyId}
            </span>
            <a className="text-brand-700 underline" href={`/api/audit/checkpoints/${c.id}`}>
              Download (JSON)
            </a>
          </li>
        ))}
        {cps.checkpoints.length === 0 ? <li className="py-2">No checkpoint has been signed yet.</li> : null}
      </ul>
    </Card>
  );
}

function LatestEntriesCard({ entries }: { entries: AuditEntry[] }) {
  return (
    <Card title="Latest entries">
      <p className="mb-2 text-sm">
        <Link href="/legal/was-shared" className="text-brand-700 underline">
          Was this shared? — decisions for a home or device with their proofs
        </Link>
      </p>
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-slate-600">
              <th scope="col">#</th>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Entity</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} className="border-t border-slate-100 align-top">
                <td className="py-1 tabular-nums">{e.seq}</td>
                <td className="whitespace-nowrap">{e.at.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{e.actorName ?? "system"}</td>
                <td>
                  {e.action}
                  {e.merkleRoot ? (
                    <span className="block text-xs text-slate-600">
                      {String((e.details as { count?: number }).count ?? "")} decisions, root {e.merkleRoot.slice(0, 12)}…
                    </span>
                  ) : null}
                </td>
                <td className="break-all text-xs">
                  {e.entityType} {e.entityId}
                </td>
                <td className="font-mono text-xs">{e.hash.slice(0, 12)}…</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
