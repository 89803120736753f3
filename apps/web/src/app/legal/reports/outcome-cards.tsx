// Legal's report, what came of its decisions: deliveries per partner and state, and the deletion
// requests made in the period by state, each one overdue by name.
import type { DecisionReport } from "@proviso/core";
import { getFormatter, getTranslations } from "next-intl/server";
import { Card } from "~/components/ui";

export async function DeletionsCard({ deletions }: { deletions: DecisionReport["deletions"] }) {
  const t = await getTranslations("Deletions");
  const format = await getFormatter();
  return (
    <Card title={t("reportTitle")} id="report-deletions">
      <p className="text-sm">
        {t("reportLead", {
          total: deletions.total,
          sent: deletions.sent,
          pending: deletions.pending,
          confirmed: deletions.confirmed,
          overdue: deletions.overdue.length,
        })}
      </p>
      {deletions.overdue.length ? (
        <ul className="mt-2 list-disc pl-5 text-sm text-red-900">
          {deletions.overdue.map((d) => (
            <li key={d.id}>{t("overdueLine", { partner: d.partnerName, deadline: format.dateTime(d.deadline, { dateStyle: "medium" }) })}</li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

const n = (v: number) => v.toLocaleString("en-GB");

export function DeliveriesCard({ deliveries }: { deliveries: DecisionReport["deliveries"] }) {
  return (
    <Card title="Deliveries">
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th scope="col">Partner</th>
            <th scope="col">Status</th>
            <th scope="col" className="text-right">
              Messages
            </th>
            <th scope="col" className="text-right">
              With a failed attempt
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={`${d.partnerId}-${d.status}`} className="border-t border-slate-100">
              <td className="py-1">{d.partnerId}</td>
              <td>{d.status === "dead" ? "dead-lettered" : d.status}</td>
              <td className="text-right tabular-nums">{n(d.count)}</td>
              <td className="text-right tabular-nums">{n(d.failed)}</td>
            </tr>
          ))}
          {deliveries.length === 0 ? (
            <tr>
              <td colSpan={4}>No messages were queued in this period.</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </Card>
  );
}
