import { requireDeskPage } from "@/lib/auth/guard";
import { ROLES } from "@/lib/services/user/users";
import { NewUserForm } from "../_components/new-user-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "New User" };

export default async function NewUser() {
  await requireDeskPage("/app/user/new");
  return <NewUserForm roles={[...ROLES]} />;
}
