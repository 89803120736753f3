import { AgreementsPage } from "~/components/agreements/pages";

export const metadata = { title: "Agreements" };

export default function Page() {
  return <AgreementsPage role="partner_manager" basePath="/partners" />;
}
