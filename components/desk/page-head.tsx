import Link from "next/link";

export interface Crumb {
  label: string;
  href: string;
}

export function PageHead({
  title,
  breadcrumbs,
  indicator,
  actions,
}: {
  title: string;
  breadcrumbs: Crumb[];
  indicator?: React.ReactNode;
  actions?: React.ReactNode;
}) {
  return (
    <>
      {breadcrumbs.length > 0 && (
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          {breadcrumbs.map((c, i) => (
            <span key={c.href}>
              {i > 0 && <span className="sep">/</span>}
              <Link href={c.href}>{c.label}</Link>
            </span>
          ))}
        </nav>
      )}
      <div className="page-head">
        <h1>{title}</h1>
        {indicator}
        {actions && <div className="actions">{actions}</div>}
      </div>
    </>
  );
}

export function Indicator({ color, children }: { color: "green" | "red" | "orange" | "blue" | "gray"; children: React.ReactNode }) {
  return <span className={`indicator ${color}`}>{children}</span>;
}
