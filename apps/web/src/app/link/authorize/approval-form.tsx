"use client";
// The homeowner's choices for a platform asking to link: the home (when they have several), what
// the agreement allows in plain words, per category off / when asked / as it changes (never
// pre-set to "as it changes"), and Link or Cancel. Both end by sending the browser back to the
// platform, with a code or access_denied.
import type { LinkingChoice, LinkingOffer } from "@proviso/core";
import type { ShareMode } from "@proviso/domain";
import { useMutation } from "@tanstack/react-query";
import { Link2, X } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Card } from "~/components/ui";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";

export function ApprovalForm({ offer, params }: { offer: LinkingOffer; params: Record<string, string> }) {
  const t = useTranslations("Linking");
  const trpc = useTRPC();
  const partner = offer.partner.name;
  const [choices, setChoices] = useState<Record<string, ShareMode>>(() => Object.fromEntries(offer.categories.map((c) => [c.key, c.suggested])));
  const leave = (to: string | null) => {
    if (to) window.location.assign(to);
  };
  const approve = useMutation(trpc.linking.approve.mutationOptions({ onSuccess: (r) => leave(r.redirectTo) }));
  const deny = useMutation(trpc.linking.deny.mutationOptions({ onSuccess: (r) => leave(r.redirectTo) }));
  const busy = approve.isPending || deny.isPending || approve.isSuccess || deny.isSuccess;
  return (
    <div className="grid max-w-3xl gap-4">
      {offer.homes.length > 1 ? (
        <nav aria-label={t("home")} className="flex flex-wrap gap-2 text-sm">
          {offer.homes.map((h) => (
            <a
              key={h.id}
              href={`?${new URLSearchParams({ ...params, home: h.id }).toString()}`}
              aria-current={h.id === offer.homeId ? "page" : undefined}
              className={`rounded border px-3 py-1 ${h.id === offer.homeId ? "border-brand-700 bg-brand-50" : "border-slate-300"}`}
            >
              {h.name}
              {h.linked ? ` (${t("alreadyLinked")})` : ""}
            </a>
          ))}
        </nav>
      ) : null}
      <Card title={offer.agreement ? t("agreement", { partner, version: offer.agreement.version }) : t("noAgreement", { partner })} id="linking-agreement">
        {offer.agreement ? (
          <ul className="list-disc space-y-1 pl-5 text-sm text-slate-800">
            {offer.agreement.summary.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : null}
      </Card>
      <Card title={t("choices", { partner })} id="linking-choices">
        <p className="mb-3 text-sm text-slate-700">{t("choicesHint")}</p>
        {offer.categories.length === 0 ? <p className="text-sm">{t("noCategories", { partner })}</p> : null}
        <ul className="divide-y divide-slate-100">
          {offer.categories.map((c) => (
            <CategoryChoice key={c.key} choice={c} mode={choices[c.key]!} onChange={(mode) => setChoices((x) => ({ ...x, [c.key]: mode }))} />
          ))}
        </ul>
      </Card>
      {approve.error || deny.error ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-900">
          {(approve.error ?? deny.error)!.message}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        <Button type="button" disabled={busy} onClick={() => approve.mutate({ params, homeId: offer.homeId, choices })}>
          <Link2 aria-hidden="true" />
          {approve.isPending || approve.isSuccess ? t("working") : t("approve", { partner })}
        </Button>
        <Button type="button" variant="secondary" disabled={busy} onClick={() => deny.mutate({ params })}>
          <X aria-hidden="true" />
          {t("cancel")}
        </Button>
      </div>
    </div>
  );
}

function CategoryChoice({ choice: c, mode, onChange }: { choice: LinkingChoice; mode: ShareMode; onChange: (mode: ShareMode) => void }) {
  const t = useTranslations("Linking");
  return (
    <li className="py-3">
      <fieldset>
        <legend className="font-medium">{c.name}</legend>
        <div className="mt-1 flex flex-wrap gap-x-5 gap-y-1 text-sm">
          {c.options.map((o) => (
            <label key={o.mode} className="flex items-center gap-2" title={o.label}>
              <input type="radio" name={c.key} value={o.mode} checked={mode === o.mode} onChange={() => onChange(o.mode)} />
              {t(`modes.${o.mode}`)}
            </label>
          ))}
        </div>
        <p className="mt-1 text-sm text-slate-600">{c.options.find((o) => o.mode === mode)?.label}</p>
      </fieldset>
    </li>
  );
}
