"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { api, ApiError } from "@/lib/api-client";
import { createUserSchema } from "@/lib/services/user/user.schema";
import { CheckField, Field, FormView, Section } from "@/components/desk/form-view";
import { RolesField } from "./roles-field";

type Values = z.input<typeof createUserSchema>;

export function NewUserForm({ roles }: { roles: string[] }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(createUserSchema),
    defaultValues: { email: "", fullName: "", password: "", roles: [], enabled: true },
  });
  const { register, formState } = form;
  const save = useMutation({
    mutationFn: (v: Values) => api<{ data: { name: string } }>("/api/resource/User", { body: v }),
    onSuccess: (res) => router.push(`/app/user/${encodeURIComponent(res.data.name)}`),
    onError: (e) => {
      setError(e.message);
      if (e instanceof ApiError) for (const [k, m] of Object.entries(e.fields)) form.setError(k as keyof Values, { message: m });
    },
  });
  const e = formState.errors;
  return (
    <FormView
      title="New User"
      breadcrumbs={[{ label: "User", href: "/app/user" }]}
      dirty={formState.isDirty}
      saving={save.isPending}
      error={error}
      onSave={form.handleSubmit((v) => save.mutate(v))}
    >
      <div className="card">
        <Section>
          <div className="columns">
            <div>
              <Field id="email" label="Email" required error={e.email?.message}>
                <input id="email" type="email" autoComplete="off" {...register("email")} />
              </Field>
              <Field id="fullName" label="Full Name" error={e.fullName?.message}>
                <input id="fullName" type="text" {...register("fullName")} />
              </Field>
              <Field id="password" label="Password" required error={e.password?.message}>
                <input id="password" type="password" autoComplete="new-password" {...register("password")} />
              </Field>
            </div>
            <div>
              <RolesField roles={roles} register={register("roles")} />
              <CheckField id="enabled" label="Enabled">
                <input id="enabled" type="checkbox" {...register("enabled")} />
              </CheckField>
            </div>
          </div>
        </Section>
      </div>
    </FormView>
  );
}
