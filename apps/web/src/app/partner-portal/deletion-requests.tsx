"use client";
// What the partner owes after unlinks: each deletion request with its deadline and state, and a
// confirmation (with the partner's own reference) once it has deleted the home's data.
import type { AppRouter } from "@proviso/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { Check } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { Badge, Card } from "~/components/ui";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";

type Request = inferRouterOutputs<AppRouter>["partnerPortal"]["deletionRequests"][number];

export function DeletionRequests() {
  const t = useTranslations("Deletions");
  const trpc = useTRPC();
  const requests = useQuery(trpc.partnerPortal.deletionRequests.queryOptions());
  return (
    <Card title={t("title")} id="deletion-requests">
      <p className="mb-2 text-sm text-slate-700">{t("lead")}</p>
      {requests.data?.length === 0 ? <p className="text-sm">{t("none")}</p> : null}
      <ul className="divide-y divide-slate-100">
        {requests.data?.map((r) => (
          <DeletionRequestItem key={r.id} request={r} />
        ))}
      </ul>
    </Card>
  );
}

function DeletionRequestItem({ request: r }: { request: Request }) {
  const t = useTranslations("Deletions");
  const format = useFormatter();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const confirm = useMutation(
    trpc.partnerPortal.confirmDeletion.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.partnerPortal.deletionRequests.queryKey() }),
    }),
  );
  const day = (d: Date) => format.dateTime(d, { dateStyle: "medium" });
  return (
    <li className="py-2 text-sm" data-deletion-request={r.id}>
      <p className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{r.homeName}</span>
        <Badge value={r.status} label={t(`statuses.${r.status}`)} />
        <span className="text-slate-600">
          {t("requested")} {day(r.requestedAt)} · {t("deadline")} {day(r.deadline)}
        </span>
      </p>
      {r.status === "confirmed" && r.confirmedAt ? (
        <p className="text-slate-700">
          {t("confirmedOn", { date: day(r.confirmedAt) })}
          {r.confirmationNote ? ` · “${r.confirmationNote}”` : ""}
        </p>
      ) : (
        <form
          className="mt-1 flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            confirm.mutate({ requestId: r.id, note });
          }}
        >
          {r.toldVia === "none" ? <p className="w-full text-slate-700">{t("noChannel")}</p> : null}
          <label className="flex flex-col gap-1">
            {t("reference")}
            <input className="rounded border border-slate-300 px-2 py-1" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
          </label>
          <Button type="submit" size="sm" disabled={confirm.isPending}>
            <Check aria-hidden="true" />
            {confirm.isPending ? t("confirming") : t("confirm")}
          </Button>
          {confirm.error ? (
            <p role="alert" className="w-full text-red-800">
              {confirm.error.message}
            </p>
          ) : null}
        </form>
      )}
    </li>
  );
}
