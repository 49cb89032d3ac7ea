"use client";

import type { UseFormRegisterReturn } from "react-hook-form";
import { CheckField } from "@/components/desk/form-view";

/** One checkbox per role, all registered under the form's `roles` array. */
export function RolesField({ roles, register }: { roles: string[]; register: UseFormRegisterReturn<"roles"> }) {
  return (
    <div className="field">
      <span className="label">Roles</span>
      {roles.map((r) => (
        <CheckField key={r} id={`role-${r}`} label={r}>
          <input id={`role-${r}`} type="checkbox" value={r} {...register} />
        </CheckField>
      ))}
    </div>
  );
}
