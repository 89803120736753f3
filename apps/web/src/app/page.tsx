import { ROLE_HOME } from "@proviso/domain";
import { redirect } from "next/navigation";
import { currentUser } from "~/server/auth";

export default async function Index() {
  const user = await currentUser();
  redirect(user ? ROLE_HOME[user.role] : "/sign-in");
}
