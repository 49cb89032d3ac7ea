import { pageParam } from "@/lib/services/frappe-rest/adapter";
import type { Metadata } from "next";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getWebhook, getWebhookHealth, listVersions, webhookDoctypes, webhookNeighbours } from "@/lib/services/webhook/webhooks";
import { HealthPanel } from "../_components/health-panel";
import { VersionTimeline } from "../_components/version-timeline";
import { WebhookForm } from "../_components/webhook-form";
import { WebhookDeliveryPanel } from "@/components/webhook-delivery-chart";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${pageParam((await params).name)} · Webhook` };
}

export default async function WebhookPage({ params }: Props) {
  const { name: raw } = await params;
  const name = pageParam(raw);
  const actor = await requireDeskPage(`/app/webhook/${encodeURIComponent(name)}`);
  const doc = await orNotFound(() => getWebhook(actor, name));
  const versions = await listVersions(actor, name);
  const doctypes = await webhookDoctypes(actor);
  const health = await getWebhookHealth(actor, name);
  const neighbours = await webhookNeighbours(actor, name);
  return (
    <>
      {/* keyed by name and Enabled: another webhook, or Re-enable, remounts the form; the refresh after a save does not */}
      <WebhookForm key={`${doc.name}:${doc.enabled}`} initial={doc} doctypes={doctypes} neighbours={neighbours} />
      <HealthPanel name={doc.name} enabled={doc.enabled} disableAfter={doc.disable_after} health={health} />
      <WebhookDeliveryPanel name={doc.name} />
      <VersionTimeline versions={versions} owner={doc.owner} creation={doc.creation} />
    </>
  );
}
