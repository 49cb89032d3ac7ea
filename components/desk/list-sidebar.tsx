import Link from "next/link";

export interface SidebarCount {
  label: string;
  /** A number, or text such as "10000+" for a capped count. */
  count: number | string;
  href: string;
  active: boolean;
}

/**
 * A list's sidebar, as in Frappe's desk: the rows grouped by a field (a webhook's Enabled,
 * a log's Status) with their counts under the current filters, each a link that filters by it.
 * `bar`: a strip above the list instead, for a list that needs the whole width.
 */
export function ListSidebar({ title, items, bar }: { title: string; items: SidebarCount[]; bar?: boolean }) {
  return (
    // "Group by", not the title: the title (Status, Enabled) is also a filter's label.
    <nav className={bar ? "list-sidebar list-sidebar-bar" : "list-sidebar"} aria-label="Group by">
      <h2 className="list-sidebar-title">{title}</h2>
      <ul>
        {items.map((i) => (
          <li key={i.label}>
            <Link href={i.href} aria-current={i.active ? "true" : undefined}>
              <span>{i.label}</span>
              <span className="list-sidebar-count">{i.count}</span>
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
