// Sign-out is a POST from the desk's own page (a link or GET could be triggered by any site);
// a plain form, so it works before JavaScript has loaded.
export function LogoutButton({ className = "btn btn-sm" }: { className?: string }) {
  return (
    <form method="post" action="/api/logout" style={{ display: "inline" }}>
      <button className={className} type="submit">
        Logout
      </button>
    </form>
  );
}
