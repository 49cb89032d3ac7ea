import { requireDeskPage } from "@/lib/auth/guard";
import { getLogSettings } from "@/lib/services/request-log/log-retention";
import { LogSettingsForm } from "./_components/log-settings-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Log Settings" };

export default async function LogSettingsPage() {
  const actor = await requireDeskPage("/app/log-settings");
  return <LogSettingsForm settings={await getLogSettings(actor)} />;
}
