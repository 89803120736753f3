import { downloadHeaders } from "~/server/download";
import { renderVersionPdf } from "@proviso/core";
import { serverCaller } from "~/server/caller";
import { currentUser } from "~/server/auth";

/** Any version as a PDF, for whoever may read it (staff: any; partner staff: their own). */
export async function GET(_req: Request, { params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  const user = await currentUser();
  if (!user) return new Response("Sign in first.", { status: 401 });
  const caller = await serverCaller();
  try {
    const doc =
      user.role === "partner"
        ? await caller.partnerPortal.version({ versionId })
        : user.role === "homeowner"
          ? null
          : await caller.agreements.version({ versionId });
    if (!doc) return new Response("Forbidden.", { status: 403 });
    const pdf = await renderVersionPdf(doc as Parameters<typeof renderVersionPdf>[0]);
    const name = `${doc.partnerId}-agreement-v${doc.version}.pdf`;
    return new Response(new Uint8Array(pdf), {
      headers: downloadHeaders("application/pdf", `${name}`),
    });
  } catch {
    return new Response("Not found.", { status: 404 });
  }
}
