import { Checkbox, Stack } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Role } from "../../ipc";

const ROLES: readonly Role[] = ["reception", "clinician", "admin", "auditor"];

/** The four roles, each with what it lets a person do; several add up. */
export function RoleCheckboxes({ value, onChange, error }: { value: Role[]; onChange: (roles: Role[]) => void; error?: string }) {
  const { t } = useTranslation();
  return (
    <Checkbox.Group
      label={t("users.form.roles")}
      description={t("users.form.rolesHint")}
      value={value}
      onChange={(next) => onChange(ROLES.filter((r) => next.includes(r)))}
      error={error}
      errorProps={{ "data-testid": "user-roles-error" }}
      withAsterisk
    >
      <Stack gap="xs" mt="xs">
        {ROLES.map((role) => (
          <Checkbox key={role} value={role} label={t(`roles.${role}`)} description={t(`roleHints.${role}`)} data-testid={`role-${role}`} />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}
