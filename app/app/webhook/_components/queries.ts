// queryOptions factories: the one contract for the form's cache keys and endpoints.
import { queryOptions } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { FieldOption, PreviewResult } from "@/lib/services/webhook/webhook-preview";

const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();

export const fieldOptionsQuery = (doctype: string) =>
  queryOptions({
    queryKey: ["doctype-fields", doctype],
    queryFn: () => api<{ data: FieldOption[] }>(`/api/doctype-fields?${qs({ doctype })}`).then((r) => r.data),
    enabled: doctype !== "",
    staleTime: 60_000,
  });

export interface DocumentOption {
  name: string;
  title: string;
}

export const documentSearchQuery = (doctype: string, q: string) =>
  queryOptions({
    queryKey: ["document-search", doctype, q],
    queryFn: () => api<{ data: DocumentOption[] }>(`/api/document-search?${qs({ doctype, q })}`).then((r) => r.data),
    enabled: doctype !== "",
    staleTime: 10_000,
  });

export interface PreviewRequest {
  webhook: Record<string, unknown>;
  document: string;
  saved_name?: string;
}

/** POST /api/webhook-preview: what `body.webhook` would send for `body.document`. */
export async function fetchPreview(body: PreviewRequest, signal?: AbortSignal): Promise<PreviewResult> {
  const res = await fetch("/api/webhook-preview", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: signal ?? null,
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (json as { error?: { message?: string } } | null)?.error;
    throw new Error(err?.message ?? `Preview failed (${res.status})`);
  }
  return json as PreviewResult;
}

export const previewQuery = (body: PreviewRequest) =>
  queryOptions({
    queryKey: ["webhook-preview", body],
    // Its own fetch (not api()) so a superseded preview is aborted while the user types.
    queryFn: ({ signal }) => fetchPreview(body, signal),
    staleTime: 0,
    retry: false,
  });
