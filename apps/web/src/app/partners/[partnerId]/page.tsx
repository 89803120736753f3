import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, Card, PageHeader, formatDate } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { AnswerDemand, UpdateCertification, UpdateListing } from "./leverage-controls";

export const metadata: Metadata = { title: "Partner overview" };

type Leverage = NonNullable<Awaited<ReturnType<Awaited<ReturnType<typeof serverCaller>>["partners"]["leverage"]>>>;

const ms = (x: number | null) => (x === null ? "—" : x < 1000 ? `${x} ms` : `${(x / 1000).toFixed(1)} s`);

export default async function PartnerOverviewPage({ params }: { params: Promise<{ partnerId: string }> }) {
  const { partnerId } = await params;
  await requireRole("partner_manager", `/partners/${partnerId}`);
  const caller = await serverCaller();
  const data = await caller.partners.leverage({ partnerId }).catch(() => null);
  if (!data) notFound();
  const { partner, versions, demands, certifications, listings, health, alerts, conflicts } = data;
  return (
    <>
      <PageHeader
        title={partner.name}
        lead="Agreement leverage at a glance: demands, certifications, retail listings, conflicts, alerts and delivery health."
      />
      <p className="mb-4 text-sm">
        <Link href="/partners/agreements" className="text-brand-700 underline">
          Agreement versions and drafts
        </Link>
      </p>
      <div className="grid gap-4">
        <AlertsCard alerts={alerts} />
        <VersionsCard versions={versions} />
        <HealthCard health={health} />
        <ConflictsCard conflicts={conflicts} />
        <DemandsCard demands={demands} />
        <CertificationsCard certifications={certifications} />
        <ListingsCard listings={listings} />
      </div>
    </>
  );
}

function AlertsCard({ alerts }: { alerts: Leverage["alerts"] }) {
  if (!alerts.length) return null;
  return (
    <Card title="Alerts">
      <ul className="list-disc pl-5 text-sm" data-testid="alerts">
        {alerts.map((a) => (
          <li key={a.id}>
            {a.message} <span className="text-slate-600">(raised {formatDate(a.raisedAt)})</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function VersionsCard({ versions }: { versions: Leverage["versions"] }) {
  return (
    <Card title="Agreement versions">
      <ul className="divide-y divide-slate-100 text-sm">
        {versions.map((v) => (
          <li key={v.id} className="py-2">
            <Link className="font-medium text-brand-700 underline" href={`/partners/versions/${v.id}`}>
              {v.title}, v{v.version}
            </Link>{" "}
            <Badge value={v.status} /> <span className="text-slate-600">effective {formatDate(v.effectiveFrom)}</span>
            {v.summary ? <p className="text-slate-700">{v.summary}</p> : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function HealthCard({ health }: { health: Leverage["health"] }) {
  return (
    <Card title="Delivery health (24 hours)">
      {health.heldUntil ? (
        <p className="mb-2 text-sm font-medium text-amber-800" data-testid="partner-hold">
          Sending paused until {health.heldUntil.toISOString().replace("T", " ").slice(0, 19)} UTC: the partner asked us to slow down ({health.holdReason}).
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
        {[
          ["Messages", health.messages],
          ["Delivered", health.delivered],
          ["Queued", health.queued],
          ["Dead-lettered", health.deadLettered],
          ["Failures", health.failures],
          ["Rate-limited (429)", health.rateLimited],
          ["Lag p50", ms(health.lagP50Ms)],
          ["Lag p95", ms(health.lagP95Ms)],
        ].map(([k, v]) => (
          <div key={String(k)}>
            <dt className="text-slate-600">{k}</dt>
            <dd className="font-medium tabular-nums">{String(v)}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function ConflictsCard({ conflicts }: { conflicts: Leverage["conflicts"] }) {
  return (
    <Card title="Conflicts">
      {conflicts.length === 0 ? (
        <p className="text-sm">No requirement asks for more than homeowners consented to or the agreement allows.</p>
      ) : (
        <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="conflicts">
          {conflicts.map((c, i) => (
            <li key={i}>{c.text}</li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function DemandsCard({ demands }: { demands: Leverage["demands"] }) {
  return (
    <Card title="Demands">
      {demands.length === 0 ? <p className="text-sm">No demands.</p> : null}
      <ul className="divide-y divide-slate-100">
        {demands.map((d) => (
          <li key={d.id} className="py-3 text-sm" data-demand={d.id}>
            <p className="font-medium">
              {d.summary} <Badge value={d.status} />
            </p>
            <p>{d.description}</p>
            <p className="text-slate-600">
              Leverage: {d.leverageLabel} · deadline {formatDate(d.deadline)} · purpose {d.purpose}
              {d.answeredByVersionId ? (
                <>
                  {" "}
                  · answered by{" "}
                  <Link className="text-brand-700 underline" href={`/partners/versions/${d.answeredByVersionId}`}>
                    v{d.answeredByVersion}
                  </Link>
                </>
              ) : null}
              {d.responseNote ? ` · “${d.responseNote}”` : ""}
            </p>
            <AnswerDemand demandId={d.id} status={d.status} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

function CertificationsCard({ certifications }: { certifications: Leverage["certifications"] }) {
  return (
    <Card title="Certifications">
      <ul className="divide-y divide-slate-100">
        {certifications.map((c) => (
          <li key={c.id} className="py-3 text-sm" data-certification={`${c.modelKey}|${c.programmeKey}`}>
            <p className="font-medium">
              {c.modelName} · {c.programme} <Badge value={c.effectiveStatus} />
            </p>
            <p className="text-slate-600">
              Valid until {formatDate(c.validUntil)}
              {c.daysLeft !== null && c.effectiveStatus === "certified" ? ` (${c.daysLeft} days left)` : ""}
            </p>
            {c.requirements.length ? (
              <ul className="ml-5 list-disc text-slate-700">
                {c.requirements.map((r) => (
                  <li key={r.key}>
                    {r.key}: {r.text}
                  </li>
                ))}
              </ul>
            ) : null}
            <UpdateCertification
              id={c.id}
              label={`${c.modelName} ${c.programme}`}
              status={c.status}
              validUntil={c.validUntil ? c.validUntil.toISOString().slice(0, 10) : null}
            />
          </li>
        ))}
      </ul>
    </Card>
  );
}

function ListingsCard({ listings }: { listings: Leverage["listings"] }) {
  return (
    <Card title="Retail listings">
      <table className="w-full text-left text-sm">
        <thead className="text-slate-600">
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Channel</th>
            <th scope="col">Status</th>
            <th scope="col">Depends on clauses</th>
          </tr>
        </thead>
        <tbody>
          {listings.map((l) => (
            <tr key={l.id} className="border-t border-slate-100">
              <td className="py-1">
                {l.sku} <span className="text-slate-600">{l.skuName}</span>
              </td>
              <td>{l.channel}</td>
              <td>
                <UpdateListing id={l.id} label={`${l.sku} on ${l.channel}`} status={l.status} />
              </td>
              <td>{l.dependsOnClauseKeys.join(", ") || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
