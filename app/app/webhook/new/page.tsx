import { requireDeskPage } from "@/lib/auth/guard";
import { getWebhook, webhookDoctypes } from "@/lib/services/webhook/webhooks";
import { WebhookForm } from "../_components/webhook-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "New Webhook" };

/** A new webhook; `?duplicate=<name>` starts from that webhook's settings (the form menu's Duplicate). */
export default async function NewWebhookPage({ searchParams }: { searchParams: Promise<{ duplicate?: string | string[] }> }) {
  const actor = await requireDeskPage("/app/webhook/new");
  const from = (await searchParams).duplicate;
  const name = Array.isArray(from) ? from[0] : from;
  // A webhook that is gone (deleted meanwhile) starts a blank form rather than an error.
  const template = name ? await getWebhook(actor, name).catch(() => null) : null;
  return <WebhookForm key={name ?? ""} initial={null} template={template} doctypes={await webhookDoctypes(actor)} />;
}
