import { pageParam } from "@/lib/services/frappe-rest/adapter";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getUser, listUserSessions, ROLES } from "@/lib/services/user/users";
import { UserForm } from "../_components/user-form";

export const dynamic = "force-dynamic";

/** The tab shows the document and its DocType, as Frappe's desk does. */
export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `${pageParam((await params).name)} · User` };
}

export default async function UserPage({ params }: { params: Promise<{ name: string }> }) {
  const { name: raw } = await params;
  const name = pageParam(raw);
  const actor = await requireDeskPage(`/app/user/${raw}`);
  const user = await orNotFound(() => getUser(actor, name));
  const sessions = await listUserSessions(actor, name);
  return <UserForm user={user} sessions={sessions} roles={[...ROLES]} self={actor.user === name} />;
}
