import Link from "next/link";
import { requireDeskPage } from "@/lib/auth/guard";
import { listUsers } from "@/lib/services/user/users";
import { ROLES } from "@/lib/constants";
import { formatDateTime } from "@/lib/format";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { ListView, pageOf, pagerHrefs, param, type SearchParams } from "@/components/desk/list-view";

export const dynamic = "force-dynamic";
export const metadata = { title: "User" };

export default async function UserList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage("/app/user");
  const params = await searchParams;
  const search = param(params, "search").toLowerCase();
  const enabled = param(params, "enabled");
  const role = param(params, "role");
  const all = (await listUsers(actor)).filter(
    (u) =>
      (!search || u.name.toLowerCase().includes(search) || u.email.includes(search) || u.fullName.toLowerCase().includes(search)) &&
      (!enabled || String(u.enabled ? 1 : 0) === enabled) &&
      (!role || u.roles.includes(role)),
  );
  const { page, limit, offset } = pageOf(params);
  const rows = all.slice(offset, offset + limit);
  return (
    <>
      <PageHead
        title="User"
        breadcrumbs={[{ label: "Setup", href: "/app" }]}
        actions={
          <Link className="btn btn-primary" href="/app/user/new">
            + Add User
          </Link>
        }
      />
      <ListView
        basePath="/app/user"
        params={params}
        rows={rows}
        total={all.length}
        {...pagerHrefs("/app/user", params, page, limit, all.length)}
        rowKey={(u) => u.name}
        rowHref={(u) => `/app/user/${encodeURIComponent(u.name)}`}
        filters={[
          { name: "search", label: "Search", type: "text" },
          { name: "role", label: "Role", type: "select", options: ROLES.map((r) => ({ value: r, label: r })) },
          {
            name: "enabled",
            label: "Enabled",
            type: "select",
            options: [
              { value: "1", label: "Enabled" },
              { value: "0", label: "Disabled" },
            ],
          },
        ]}
        columns={[
          { key: "name", label: "Name", render: (u) => u.name },
          { key: "full_name", label: "Full Name", render: (u) => u.fullName },
          { key: "email", label: "Email", render: (u) => u.email },
          { key: "roles", label: "Roles", render: (u) => u.roles.join(", ") },
          {
            key: "enabled",
            label: "Status",
            render: (u) => (u.enabled ? <Indicator color="green">Enabled</Indicator> : <Indicator color="gray">Disabled</Indicator>),
          },
          { key: "created", label: "Created", render: (u) => formatDateTime(u.created) },
        ]}
        empty="No users yet."
      />
    </>
  );
}
