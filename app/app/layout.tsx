import { sessionActor } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { AlertBell } from "@/components/desk/alert-bell";
import { Awesomebar } from "@/components/desk/awesomebar";
import { DeskShell } from "@/components/desk/desk-shell";
import { UserMenu } from "@/components/desk/user-menu";
import { Providers } from "@/components/providers";

export default async function DeskLayout({ children }: { children: React.ReactNode }) {
  const actor = await sessionActor();
  // Signed out (or a session that has ended): every page's own requireDeskPage sends the
  // visitor to /login?next=<that page>; without the role the page renders the 403. Either
  // way, no desk chrome around it.
  if (!actor || !hasRole(actor)) return <>{children}</>;
  return (
    <Providers>
      <DeskShell
        bar={
          <>
            <a className="brand" href="/app">
              Webhook Desk
            </a>
            <Awesomebar />
            <span className="spacer" />
            <AlertBell />
            <UserMenu name={actor.fullName || actor.user} />
          </>
        }
      >
        {children}
      </DeskShell>
    </Providers>
  );
}
