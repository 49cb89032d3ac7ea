import { notFound } from "next/navigation";
import { requireDeskPage } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { getUser, ROLES } from "@/lib/services/users";
import { UserForm } from "../_components/user-form";

export const dynamic = "force-dynamic";

export default async function UserPage({ params }: { params: Promise<{ name: string }> }) {
  const { name: raw } = await params;
  const name = decodeURIComponent(raw);
  const actor = await requireDeskPage(`/app/user/${raw}`);
  let user;
  try {
    user = getUser(actor, name);
  } catch (e) {
    if (e instanceof AppError && e.code === "NOT_FOUND") notFound();
    throw e;
  }
  return <UserForm user={user} roles={[...ROLES]} self={actor.user === name} />;
}
