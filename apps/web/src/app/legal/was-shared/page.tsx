import type { Metadata } from "next";
import { Badge, Card, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";

export const metadata: Metadata = { title: "Was this shared?" };

type Params = { homeId?: string; deviceId?: string; partnerId?: string; from?: string; to?: string };
const OUTCOME = { send: "sent", transform: "sent (minimised)", withhold: "withheld" } as const;

type Caller = Awaited<ReturnType<typeof serverCaller>>;
type Partners = Awaited<ReturnType<Caller["partners"]["list"]>>;
type Answer = Awaited<ReturnType<Caller["legal"]["wasShared"]>>;

export default async function WasSharedPage({ searchParams }: { searchParams: Promise<Params> }) {
  await requireRole("legal", "/legal/was-shared");
  const sp = await searchParams;
  const caller = await serverCaller();
  const partners = await caller.partners.list();
  const today = new Date().toISOString().slice(0, 10);
  const from = sp.from || new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  const to = sp.to || today;
  const asked = !!(sp.partnerId && (sp.homeId || sp.deviceId));
  let answer;
  let problem: string | null = null;
  if (asked) {
    try {
      answer = await caller.legal.wasShared({
        homeId: sp.homeId || null,
        deviceId: sp.deviceId || null,
        partnerId: sp.partnerId!,
        from: new Date(`${from}T00:00:00Z`),
        to: new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000),
        limit: 500,
      });
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  const qs = new URLSearchParams({
    homeId: sp.homeId ?? "",
    deviceId: sp.deviceId ?? "",
    partnerId: sp.partnerId ?? "",
    from: `${from}T00:00:00Z`,
    to: new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString(),
  });
  return (
    <>
      <PageHeader
        title="Was this shared?"
        lead="For a home or a device, a partner and a time range: every decision the ledger holds, each with its inclusion proof against the audit chain and a signed checkpoint."
      />
      <LookupForm sp={sp} partners={partners} from={from} to={to} />
      {problem ? (
        <p role="alert" className="mb-4 rounded border border-red-300 bg-red-50 p-3 text-red-900">
          {problem}
        </p>
      ) : null}
      {answer ? <AnswerCard answer={answer} qs={qs} /> : null}
    </>
  );
}

function LookupForm({ sp, partners, from, to }: { sp: Params; partners: Partners; from: string; to: string }) {
  return (
    <form method="get" className="mb-4 grid max-w-3xl gap-3 text-sm sm:grid-cols-2">
      <label className="flex flex-col">
        Home id
        <input name="homeId" defaultValue={sp.homeId} className="rounded border border-slate-300 px-2 py-1 font-mono" />
      </label>
      <label className="flex flex-col">
        or device id
        <input name="deviceId" defaultValue={sp.deviceId} className="rounded border border-slate-300 px-2 py-1 font-mono" />
      </label>
      <label className="flex flex-col">
        Partner
        <select name="partnerId" defaultValue={sp.partnerId} className="rounded border border-slate-300 px-2 py-1">
          {partners.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <div className="flex gap-3">
        <label className="flex flex-col">
          From
          <input type="date" name="from" defaultValue={from} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          To (inclusive)
          <input type="date" name="to" defaultValue={to} className="rounded border border-slate-300 px-2 py-1" />
        </label>
      </div>
      <div>
        <button className="rounded bg-brand-700 px-3 py-1.5 font-medium text-white">Look up</button>
      </div>
    </form>
  );
}

function AnswerCard({ answer, qs }: { answer: Answer; qs: URLSearchParams }) {
  return (
    <Card title="Answer">
      <p className="mb-2" data-testid="was-shared-summary">
        {answer.summary.decisions === 0
          ? "The ledger holds no decision for this in the range: nothing was shared."
          : `${answer.summary.shared} shared, ${answer.summary.withheld} withheld${answer.summary.more ? " (first 500 shown)" : ""}. ${answer.summary.proven} of ${answer.summary.decisions} proven against the chain; ${answer.summary.checkpointed} covered by a signed checkpoint.`}
      </p>
      <p className="mb-3 text-sm">
        <a className="text-brand-700 underline" href={`/api/audit/was-shared?${qs}`}>
          Download with proofs (JSON)
        </a>
      </p>
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-slate-600">
              <th scope="col">Decided (UTC)</th>
              <th scope="col">Category</th>
              <th scope="col">Outcome</th>
              <th scope="col">Value sent</th>
              <th scope="col">Reason</th>
              <th scope="col">Proof</th>
            </tr>
          </thead>
          <tbody>
            {answer.items.map((i) => (
              <tr key={i.id} className="border-t border-slate-100 align-top">
                <td className="whitespace-nowrap py-1">{i.decidedAt.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{i.categoryName}</td>
                <td>
                  <Badge value={OUTCOME[i.outcome]} />
                </td>
                <td className="font-mono text-xs">{i.sentProperties ? JSON.stringify(i.sentProperties) : "—"}</td>
                <td className="text-xs">{(i.reasons as { code: string }[]).map((r) => r.code).join(", ")}</td>
                <td className="text-xs">
                  {i.proof?.valid
                    ? `✓ entry #${i.proof.entry?.seq}${i.proof.checkpoint ? `, checkpoint ${i.proof.checkpoint.id}` : ", no checkpoint yet"}`
                    : "✗ not provable"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
