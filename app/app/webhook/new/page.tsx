import { requireDeskPage } from "@/lib/auth/guard";
import { webhookDoctypes } from "@/lib/services/webhook/webhooks";
import { WebhookForm } from "../_components/webhook-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "New Webhook" };

export default async function NewWebhookPage() {
  const actor = await requireDeskPage("/app/webhook/new");
  return <WebhookForm initial={null} doctypes={await webhookDoctypes(actor)} />;
}
