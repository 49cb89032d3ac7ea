import { pageParam } from "@/lib/services/frappe-rest/adapter";
import type { Metadata } from "next";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getWebhook, listVersions, webhookDoctypes } from "@/lib/services/webhook/webhooks";
import { VersionTimeline } from "../_components/version-timeline";
import { WebhookForm } from "../_components/webhook-form";
import { WebhookDeliveryPanel } from "@/components/webhook-delivery-chart";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: pageParam((await params).name) };
}

export default async function WebhookPage({ params }: Props) {
  const { name: raw } = await params;
  const name = pageParam(raw);
  const actor = await requireDeskPage(`/app/webhook/${encodeURIComponent(name)}`);
  const doc = await orNotFound(() => getWebhook(actor, name));
  const versions = await listVersions(actor, name);
  const doctypes = await webhookDoctypes(actor);
  return (
    <>
      {/* keyed by name: another webhook remounts the form; the refresh after a save does not */}
      <WebhookForm key={doc.name} initial={doc} doctypes={doctypes} />
      <WebhookDeliveryPanel name={doc.name} />
      <VersionTimeline versions={versions} owner={doc.owner} creation={doc.creation} />
    </>
  );
}
