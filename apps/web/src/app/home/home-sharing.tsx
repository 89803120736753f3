"use client";
// Who gets what: per linked platform and data category, the mode in force and why, and the
// homeowner's choice among what the agreement allows. A change applies from the next state change.
import type { AppRouter } from "@proviso/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { Badge, Card } from "~/components/ui";
import { useTRPC } from "~/trpc/react";

type Outputs = inferRouterOutputs<AppRouter>["home"];
type PartnerSharing = Outputs["sharing"][number];
type CategorySharing = PartnerSharing["categories"][number];
type ShareMode = CategorySharing["inForce"];

const MODE_LABEL = { off: "Off", on_request: "On request", proactive: "Whenever it changes" } as const;

export function HomeSharing({ homeId }: { homeId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sharing = useQuery(trpc.home.sharing.queryOptions({ homeId }));
  // The choice shows at once; the server's answer (or refusal) settles it.
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const setConsent = useMutation(
    trpc.home.setConsent.mutationOptions({
      onSettled: async (_data, _error, v) => {
        await queryClient.invalidateQueries({ queryKey: trpc.home.sharing.queryKey({ homeId }) });
        setChosen((c) => {
          const { [`${v.partnerId}|${v.category}`]: _done, ...rest } = c;
          return rest;
        });
      },
    }),
  );
  const [confirming, setConfirming] = useState<string | null>(null);
  const unlink = useMutation(
    trpc.home.unlink.mutationOptions({
      onSuccess: async () => {
        setConfirming(null);
        await queryClient.invalidateQueries({ queryKey: trpc.home.pathKey() });
      },
    }),
  );
  const deletions = useQuery(trpc.home.deletionRequests.queryOptions({ homeId }));
  if (sharing.isPending) return <p>Loading what is shared…</p>;
  if (sharing.error) return <p role="alert">{sharing.error.message}</p>;
  return (
    <div className="space-y-4">
      {setConsent.error ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {setConsent.error.message}
        </p>
      ) : null}
      <DeletionRequests requests={deletions.data} />
      {sharing.data.map((p) => (
        <PartnerSharingCard
          key={p.linkId}
          p={p}
          chosen={chosen}
          confirming={confirming === p.partnerId}
          onConfirm={() => setConfirming(p.partnerId)}
          onKeep={() => setConfirming(null)}
          onUnlink={() => unlink.mutate({ homeId, partnerId: p.partnerId })}
          onChoose={(category, mode) => {
            setChosen((x) => ({ ...x, [`${p.partnerId}|${category}`]: mode }));
            setConsent.mutate({ homeId, partnerId: p.partnerId, category, mode });
          }}
        />
      ))}
    </div>
  );
}

function DeletionRequests({ requests }: { requests: Outputs["deletionRequests"] | undefined }) {
  if (!requests?.length) return null;
  return (
    <Card title="Deletion requests">
      <ul className="space-y-1 text-sm">
        {requests.map((d) => (
          <li key={d.id}>
            {d.partnerName} must delete your home's data by <strong>{d.deadline.toISOString().slice(0, 10)}</strong> <Badge value={d.status} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

function PartnerSharingCard({
  p,
  chosen,
  confirming,
  onConfirm,
  onKeep,
  onUnlink,
  onChoose,
}: {
  p: PartnerSharing;
  chosen: Record<string, string>;
  confirming: boolean;
  onConfirm: () => void;
  onKeep: () => void;
  onUnlink: () => void;
  onChoose: (category: string, mode: ShareMode) => void;
}) {
  return (
    <Card title={`What ${p.partnerName} gets`} id={`sharing-${p.partnerId}`}>
      {p.status !== "active" ? (
        <p className="mb-2 text-sm">This platform is {p.status}: nothing is shared.</p>
      ) : confirming ? (
        <div className="mb-3 rounded border border-red-300 bg-red-50 p-3 text-sm">
          <p>
            Unlink {p.partnerName}? Sharing stops at once and {p.partnerName} must delete what it received about your home.
          </p>
          <div className="mt-2 flex gap-3">
            <button type="button" className="rounded bg-red-700 px-3 py-1 text-white" onClick={onUnlink}>
              Unlink {p.partnerName}
            </button>
            <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={onKeep}>
              Keep it
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="mb-3 text-sm text-red-800 underline" onClick={onConfirm}>
          Unlink {p.partnerName}…
        </button>
      )}
      <AgreementSummary p={p} />
      <ul className="space-y-4">
        {p.categories.map((c) => (
          <CategoryChoice
            key={c.category}
            p={p}
            c={c}
            selected={chosen[`${p.partnerId}|${c.category}`] ?? c.consent?.mode ?? "off"}
            onChoose={(mode) => onChoose(c.category, mode)}
          />
        ))}
      </ul>
    </Card>
  );
}

function AgreementSummary({ p }: { p: PartnerSharing }) {
  if (!p.agreement) return <p className="mb-3 text-sm">No agreement with {p.partnerName} is in force: nothing is shared.</p>;
  return (
    <details className="mb-3 rounded border border-slate-200 bg-slate-50 p-2 text-sm" data-agreement-summary={p.partnerId}>
      <summary className="cursor-pointer font-medium">
        What the agreement with {p.partnerName} says (version {p.agreement.version}, in force since {p.agreement.effectiveFrom.toISOString().slice(0, 10)})
      </summary>
      <ul className="ml-5 mt-2 list-disc space-y-1">
        {p.agreement.summary.map((s) => (
          <li key={s.clauseKey}>{s.text}</li>
        ))}
      </ul>
    </details>
  );
}

function CategoryChoice({ p, c, selected, onChoose }: { p: PartnerSharing; c: CategorySharing; selected: string; onChoose: (mode: ShareMode) => void }) {
  return (
    <li data-category={c.category}>
      <fieldset>
        <legend className="flex flex-wrap items-center gap-2 font-medium">
          {c.name} <Badge value={c.inForce} />
        </legend>
        <p className="text-sm text-slate-800">{c.description}.</p>
        <details className="text-sm text-slate-700">
          <summary className="cursor-pointer">Why</summary>
          <ul className="ml-5 list-disc">
            {c.why.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </details>
        {p.status === "active" ? (
          <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1" role="radiogroup" aria-label={`${c.name} for ${p.partnerName}`}>
            {c.options.map((o) => (
              <label key={o.mode} className="flex items-center gap-1 text-sm" title={o.label}>
                <input type="radio" name={`${p.partnerId}-${c.category}`} checked={selected === o.mode} onChange={() => onChoose(o.mode)} />
                {MODE_LABEL[o.mode]}
              </label>
            ))}
          </div>
        ) : null}
      </fieldset>
    </li>
  );
}
