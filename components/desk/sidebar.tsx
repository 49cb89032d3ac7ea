"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The sidebar's pages, in groups (the awesomebar finds them too). */
export const GROUPS = [
  {
    label: "Integrations",
    links: [
      { href: "/app/webhook", label: "Webhook" },
      { href: "/app/webhook-request-log", label: "Webhook Request Log" },
      { href: "/app/event", label: "Event" },
      { href: "/app/log-settings", label: "Log Settings" },
      { href: "/app/alert", label: "Alerts" },
      { href: "/app/api", label: "API" },
    ],
  },
  {
    label: "Setup",
    links: [
      { href: "/app/user", label: "User" },
      { href: "/app/doctype", label: "DocType" },
      { href: "/app/activity-log", label: "Activity Log" },
    ],
  },
];

export function Sidebar() {
  const path = usePathname();
  return (
    <nav className="sidebar" aria-label="Sidebar">
      {GROUPS.map((g) => (
        <div className="group" key={g.label}>
          <div className="group-label">{g.label}</div>
          {g.links.map((l) => (
            <Link key={l.href} href={l.href} aria-current={path === l.href || path.startsWith(l.href + "/") ? "page" : undefined}>
              {l.label}
            </Link>
          ))}
        </div>
      ))}
    </nav>
  );
}
