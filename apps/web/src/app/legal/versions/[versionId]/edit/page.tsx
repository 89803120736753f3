import { EditVersionPage } from "~/components/agreements/pages";

export const metadata = { title: "Edit draft" };

export default async function Page({ params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  return <EditVersionPage role="legal" basePath="/legal" versionId={versionId} />;
}
