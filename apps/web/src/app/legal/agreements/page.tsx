import { AgreementsPage } from "~/components/agreements/pages";

export const metadata = { title: "Agreements" };

export default function Page() {
  return <AgreementsPage role="legal" basePath="/legal" />;
}
