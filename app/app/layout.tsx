import { redirect } from "next/navigation";
import { sessionActor } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { Sidebar } from "@/components/desk/sidebar";
import { UserMenu } from "@/components/desk/user-menu";
import { Providers } from "@/components/providers";

export default async function DeskLayout({ children }: { children: React.ReactNode }) {
  const actor = await sessionActor();
  if (!actor) redirect("/login?next=/app");
  // Without the role the page itself renders the 403; show no desk chrome around it.
  if (!hasRole(actor)) return <>{children}</>;
  return (
    <Providers>
      <header className="navbar">
        <a className="brand" href="/app">
          Webhook Desk
        </a>
        <span className="spacer" />
        <UserMenu name={actor.fullName || actor.user} />
      </header>
      <div className="desk">
        <Sidebar />
        <main className="main">{children}</main>
      </div>
    </Providers>
  );
}
