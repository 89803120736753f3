import { downloadHeaders } from "~/server/download";
import { AppError, exportHomeData, ledgerCsv } from "@proviso/core";
import { currentUser } from "~/server/auth";
import { getDb } from "~/server/db";

/** The homeowner's export: `?format=json` (everything) or `?format=csv` (the ledger). */
export async function GET(req: Request, { params }: { params: Promise<{ homeId: string }> }) {
  const { homeId } = await params;
  const user = await currentUser();
  if (!user) return new Response("Sign in first.", { status: 401 });
  if (user.role !== "homeowner") return new Response("Only homeowners export their home's data.", { status: 403 });
  const format = new URL(req.url).searchParams.get("format") === "csv" ? "csv" : "json";
  try {
    const data = await exportHomeData(getDb(), { userId: user.id, homeId });
    const stamp = new Date().toISOString().slice(0, 10);
    return new Response(format === "csv" ? ledgerCsv(data) : JSON.stringify(data, null, 2), {
      headers: downloadHeaders(format === "csv" ? "text/csv; charset=utf-8" : "application/json", `proviso-home-${stamp}.${format}`),
    });
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") return new Response("Not found.", { status: 404 });
    throw err;
  }
}
