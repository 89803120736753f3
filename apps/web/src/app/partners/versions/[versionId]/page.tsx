import { VersionPage } from "~/components/agreements/pages";

export const metadata = { title: "Agreement version" };

export default async function Page({ params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  return <VersionPage role="partner_manager" basePath="/partners" versionId={versionId} />;
}
