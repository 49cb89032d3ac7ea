"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "@/lib/api-client";
import { CheckField, FormView, Section } from "@/components/desk/form-view";

export function SubmittableToggle(props: { name: string; module: string; isSubmittable: boolean; isChild: boolean }) {
  const router = useRouter();
  const [value, setValue] = useState(props.isSubmittable);
  const [saved, setSaved] = useState(props.isSubmittable);
  const save = useMutation({
    mutationFn: () => api(`/api/resource/DocType/${encodeURIComponent(props.name)}`, { method: "PUT", body: { is_submittable: value } }),
    onSuccess: () => {
      setSaved(value);
      router.refresh();
    },
  });
  return (
    <FormView
      title={props.name}
      breadcrumbs={[{ label: "DocType", href: "/app/doctype" }]}
      dirty={value !== saved}
      saving={save.isPending}
      error={save.error?.message}
      onSave={() => save.mutate()}
    >
      <div className="card">
        <Section>
          <dl className="kv" style={{ marginBottom: 12 }}>
            <dt>Module</dt>
            <dd>{props.module}</dd>
            <dt>Type</dt>
            <dd>{props.isChild ? "Child Table" : "Document"}</dd>
          </dl>
          <CheckField
            id="is_submittable"
            label="Is Submittable"
            help="Submittable documents have on_submit, on_cancel and on_update_after_submit events."
          >
            <input
              id="is_submittable"
              type="checkbox"
              checked={value}
              disabled={props.isChild}
              onChange={(e) => setValue(e.target.checked)}
            />
          </CheckField>
        </Section>
      </div>
    </FormView>
  );
}
