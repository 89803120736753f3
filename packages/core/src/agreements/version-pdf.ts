// An agreement version as a PDF: header, clauses with their legal text and terms, sign-offs, history.
import { categoryName, type ClauseTerms } from "@proviso/domain";
import PDFDocument from "pdfkit";
import type { getVersionDocument } from "./read-versions";

type VersionDoc = Awaited<ReturnType<typeof getVersionDocument>>;

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "—");

function termsLines(t: ClauseTerms): string[] {
  switch (t.kind) {
    case "data_share":
      return [
        `Category: ${categoryName(t.category)} (${t.category})`,
        `Modes: ${t.modes.join(", ")}; purposes: ${t.purposes.join(", ")}`,
        `Retention: ${t.retentionDays === null ? "not limited" : `${t.retentionDays} days`}; opt-in required: ${t.optInRequired ? "yes" : "no"}`,
        `Minimisation: ${JSON.stringify(t.minimisation)}`,
      ];
    case "certification_requirement":
      return [
        `Programme ${t.programme}; models ${t.models.join(", ")}; demands ${t.demands.categories.join(", ")} (${t.demands.mode}); if lapsed: ${t.consequence}`,
      ];
    case "retail_listing_dependency":
      return [`Channel ${t.channel}; SKUs ${t.skus.join(", ")}; depends on ${t.dependsOnClauseKeys.join(", ")}; ${t.consequence}`];
    case "rate_limit":
      return [`At most ${t.maxPerMinute} reports per minute per ${t.scope}`];
    case "deletion_on_unlink":
      return [`Delete within ${t.deadlineDays} days of unlinking`];
    case "breach_notification":
      return [`Notify within ${t.notifyWithinHours} hours`];
    case "termination":
      return [`Notice: ${t.noticeDays} days`];
  }
}

export function renderVersionPdf(doc: VersionDoc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: "A4", margin: 56, info: { Title: `${doc.title} v${doc.version}`, Author: "Proviso" } });
    const chunks: Buffer[] = [];
    pdf.on("data", (c: Buffer) => chunks.push(c));
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);

    pdf.font("Helvetica-Bold").fontSize(18).text(doc.title);
    pdf
      .font("Helvetica")
      .fontSize(11)
      .fillColor("#333")
      .text(`${doc.partnerName} · version ${doc.version} · ${doc.status.replace("_", " ")}`);
    pdf.text(`Effective ${day(doc.effectiveFrom)} · expires ${day(doc.expiresAt)} · drafted by ${doc.authorName ?? "—"}`);
    if (doc.summary) pdf.moveDown(0.5).text(doc.summary);
    pdf.moveDown();

    for (const c of doc.clauses) {
      pdf.fillColor("#000").font("Helvetica-Bold").fontSize(12).text(`${c.clauseKey}  ${c.title}`);
      pdf.font("Helvetica").fontSize(10.5).text(c.legalText, { align: "justify" });
      pdf.fillColor("#1849a6").fontSize(9);
      for (const line of termsLines(c.terms)) pdf.text(line, { indent: 12 });
      pdf.moveDown(0.7);
    }

    pdf.fillColor("#000").font("Helvetica-Bold").fontSize(12).text("Sign-offs");
    pdf.font("Helvetica").fontSize(10);
    if (doc.signoffs.length === 0) pdf.text("None.");
    for (const s of doc.signoffs) pdf.text(`${day(s.at)}  ${s.decision} by ${s.name}${s.comment ? `: “${s.comment}”` : ""}`);
    pdf.moveDown(0.7);
    pdf.font("Helvetica-Bold").fontSize(12).text("History");
    pdf.font("Helvetica").fontSize(10);
    for (const e of doc.events) {
      pdf.text(
        `${e.at.toISOString().slice(0, 16).replace("T", " ")}  ${e.from ?? "—"} → ${e.to} · ${e.actorName ?? "scheduler"}${e.note ? ` · ${e.note}` : ""}`,
      );
    }
    pdf.end();
  });
}
