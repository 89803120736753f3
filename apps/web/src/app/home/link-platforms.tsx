"use client";
// The platforms this home can be linked to from here (again, after an unlink): each opens the
// platform's own page where linking starts, which sends the homeowner back to Proviso's authorize
// page to choose what it may learn.
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { Card } from "~/components/ui";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";

export function LinkPlatforms({ homeId }: { homeId: string }) {
  const t = useTranslations("Linkable");
  const trpc = useTRPC();
  const linkable = useQuery(trpc.home.linkable.queryOptions({ homeId }));
  if (!linkable.data?.length) return null;
  return (
    <Card title={t("title")}>
      <p className="mb-2 text-sm text-slate-700">{t("lead")}</p>
      <ul className="flex flex-wrap gap-3">
        {linkable.data.map((p) => (
          <li key={p.partnerId}>
            <Button asChild size="sm">
              <a href={p.linkUrl} data-link-platform={p.partnerId}>
                {t(p.linkedBefore ? "again" : "link", { partner: p.partnerName })}
              </a>
            </Button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
