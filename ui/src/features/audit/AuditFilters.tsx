import { Autocomplete, Button, Group, SimpleGrid, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ErrorPayload } from "../../ipc";
import { paramField, useErrorText } from "../../lib/errors";
import { NO_FILTER, type AuditFilter } from "./queries";
import classes from "./AuditPage.module.css";

/** Groups end in `.`: `auth.` is every sign-in event. */
const ACTIONS = [
  "auth.",
  "user.",
  "message.",
  "provider.",
  "settings.",
  "audit.",
  "auth.login",
  "auth.login_failed",
  "auth.account_locked",
  "auth.logout",
  "auth.unlock",
  "user.create",
  "user.roles",
  "user.disable",
  "user.enable",
  "user.password_reset",
  "message.send",
  "settings.security",
  "audit.export",
];
const ENTITIES = ["user", "message", "provider", "settings", "audit_log"];

type Props = { applied: AuditFilter; onApply: (filter: AuditFilter) => void; error: ErrorPayload | null };

/** The filters are sent together ("apply"); a refused date is explained at its field. */
export function AuditFilters({ applied, onApply, error }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [filter, setFilter] = useState<AuditFilter>(applied);
  const set = (name: keyof AuditFilter) => (value: string) => setFilter((f) => ({ ...f, [name]: value }));
  const field = paramField(error);
  const at = (name: "from" | "to") => (error && field === name ? errorText(error) : undefined);

  return (
    <form
      noValidate
      data-testid="audit-filters"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(filter);
      }}
    >
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }} spacing="md">
        <TextInput
          data-testid="audit-filter-user"
          label={t("audit.filters.user")}
          value={filter.user}
          onChange={(e) => set("user")(e.currentTarget.value)}
          dir="auto"
        />
        <Autocomplete
          data-testid="audit-filter-action"
          label={t("audit.filters.action")}
          description={t("audit.filters.actionHint")}
          data={ACTIONS}
          value={filter.action}
          onChange={set("action")}
          dir="ltr"
          classNames={{ input: classes.ltrInput }}
        />
        <Autocomplete
          data-testid="audit-filter-entity"
          label={t("audit.filters.entity")}
          data={ENTITIES}
          value={filter.entity}
          onChange={set("entity")}
          dir="ltr"
          classNames={{ input: classes.ltrInput }}
        />
        <TextInput
          type="date"
          data-testid="audit-filter-from"
          label={t("audit.filters.from")}
          value={filter.from}
          onChange={(e) => set("from")(e.currentTarget.value)}
          error={at("from")}
          errorProps={{ "data-testid": "audit-filter-from-error" }}
          dir="ltr"
          classNames={{ input: classes.ltrInput }}
        />
        <TextInput
          type="date"
          data-testid="audit-filter-to"
          label={t("audit.filters.to")}
          value={filter.to}
          onChange={(e) => set("to")(e.currentTarget.value)}
          error={at("to")}
          errorProps={{ "data-testid": "audit-filter-to-error" }}
          dir="ltr"
          classNames={{ input: classes.ltrInput }}
        />
      </SimpleGrid>
      <Group justify="space-between" gap="sm" mt="md">
        <Text size="xs" c="dimmed">
          {t("audit.filters.datesHint")}
        </Text>
        <Group gap="sm">
        <Button
          variant="default"
          data-testid="audit-filter-clear"
          onClick={() => {
            setFilter(NO_FILTER);
            onApply(NO_FILTER);
          }}
        >
          {t("audit.filters.clear")}
        </Button>
        <Button type="submit" data-testid="audit-filter-apply">
          {t("audit.filters.apply")}
        </Button>
        </Group>
      </Group>
    </form>
  );
}
