// The period report as a PDF for the file: the same tables as the CSV, laid out for reading.
import PDFDocument from "pdfkit";
import type { DecisionReport } from "./decision-report";

export function renderReportPdf(r: DecisionReport): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: "A4", margin: 48, info: { Title: `Sharing report ${r.period.from} – ${r.period.to}`, Author: "Proviso" } });
    const chunks: Buffer[] = [];
    pdf.on("data", (c: Buffer) => chunks.push(c));
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);
    const n = (x: number) => x.toLocaleString("en-GB");
    pdf.fontSize(18).text("Proviso — what was shared, and what was not");
    pdf
      .fontSize(10)
      .fillColor("#444")
      .text(`Period ${r.period.from} to ${r.period.to} (UTC) · ${n(r.total)} decisions · generated ${new Date().toISOString()}`);
    pdf.moveDown().fillColor("black");
    const table = (title: string, head: string[], rows: (string | number)[][], widths: number[]) => {
      pdf.fontSize(13).text(title);
      pdf.moveDown(0.3).fontSize(8.5);
      const line = (cells: (string | number)[], bold = false) => {
        if (pdf.y > pdf.page.height - 72) pdf.addPage();
        const y = pdf.y;
        let x = pdf.page.margins.left;
        pdf.font(bold ? "Helvetica-Bold" : "Helvetica");
        cells.forEach((c, i) => {
          pdf.text(typeof c === "number" ? n(c) : c, x, y, { width: widths[i]! - 4, lineBreak: false, ellipsis: true });
          x += widths[i]!;
        });
        pdf.moveDown(0.25);
        pdf.x = pdf.page.margins.left;
      };
      line(head, true);
      for (const row of rows) line(row);
      if (rows.length === 0) line(["(none in this period)"]);
      pdf.moveDown();
    };
    table(
      "Messages by partner, category, mode and outcome",
      ["Partner", "Category", "Mode", "Outcome", "Decisions"],
      r.matrix.map((m) => [m.partnerId, m.categoryName, m.mode, m.outcome, m.count]),
      [70, 170, 80, 80, 90],
    );
    table(
      "Why things were withheld",
      ["Partner", "Reason", "Decisions"],
      r.withheldReasons.map((w) => [w.partnerId, w.reason, w.count]),
      [90, 250, 90],
    );
    table(
      "Consent rates at the end of the period",
      ["Partner", "Category", "Linked homes", "On request", "Proactive"],
      r.consentRates.map((c) => [
        c.partnerId,
        c.categoryName,
        c.linkedHomes,
        `${c.onRequest} (${pct(c.onRequest, c.linkedHomes)})`,
        `${c.proactive} (${pct(c.proactive, c.linkedHomes)})`,
      ]),
      [70, 170, 80, 90, 90],
    );
    table(
      "Deliveries",
      ["Partner", "Status", "Messages", "Failed"],
      r.deliveries.map((d) => [d.partnerId, d.status, d.count, d.failed]),
      [90, 120, 90, 90],
    );
    pdf.end();
  });
}

export const pct = (part: number, whole: number) => (whole === 0 ? "—" : `${((part / whole) * 100).toFixed(1)} %`);
