import { LogoutButton } from "./logout-button";

export function UserMenu({ name }: { name: string }) {
  return (
    <div className="row">
      <span className="user" data-testid="current-user">
        {name}
      </span>
      <LogoutButton />
    </div>
  );
}
