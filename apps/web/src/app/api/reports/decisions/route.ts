import { downloadHeaders } from "~/server/download";
import { renderReportPdf, reportCsv } from "@proviso/core";
import { serverCaller } from "~/server/caller";
import { errorResponse } from "~/server/http-errors";

/** The period report as a download: `?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|pdf` (legal only). */
export async function GET(req: Request) {
  const url = new URL(req.url);
  const format = url.searchParams.get("format") === "pdf" ? "pdf" : "csv";
  try {
    const report = await (await serverCaller()).legal.report({ from: url.searchParams.get("from"), to: url.searchParams.get("to") });
    const name = `proviso-sharing-report-${report.period.from}-to-${report.period.to}.${format}`;
    const body = format === "pdf" ? new Uint8Array(await renderReportPdf(report)) : reportCsv(report);
    return new Response(body, {
      headers: downloadHeaders(format === "pdf" ? "application/pdf" : "text/csv; charset=utf-8", `${name}`),
    });
  } catch (err) {
    return errorResponse(err);
  }
}
