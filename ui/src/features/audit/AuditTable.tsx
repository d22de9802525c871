import { Badge, Button, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import type { AuditEntryView } from "../../ipc";
import { formatDateTime, formatNumber } from "../../lib/format";
import classes from "./AuditPage.module.css";

const ORIGIN_COLOR: Record<string, string> = { console: "blue", cli: "grape", api: "cyan", system: "gray" };

/** The recorded JSON, indented when it parses; as recorded otherwise. */
function pretty(json: string | null): string | null {
  if (json === null) return null;
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

export function AuditTable({ entries }: { entries: AuditEntryView[] }) {
  const { t, i18n } = useTranslation();
  const language = currentLanguage();
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  // `auditActions.user.create` when we have words for it; the code itself otherwise.
  const actionLabel = (action: string) => {
    const words = i18n.getResource(language, "translation", `auditActions.${action}`);
    return typeof words === "string" ? words : null;
  };

  return (
    <Table verticalSpacing="xs" horizontalSpacing="md" data-testid="audit-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("audit.columns.seq")}</Table.Th>
          <Table.Th>{t("audit.columns.at")}</Table.Th>
          <Table.Th>{t("audit.columns.user")}</Table.Th>
          <Table.Th>{t("audit.columns.origin")}</Table.Th>
          <Table.Th>{t("audit.columns.action")}</Table.Th>
          <Table.Th>{t("audit.columns.entity")}</Table.Th>
          <Table.Th>{t("audit.columns.change")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {entries.map((entry, index) => {
          const key = String(entry.seq ?? `i${index}`);
          const expanded = open.has(key);
          const hasChange = entry.before !== null || entry.after !== null;
          const label = actionLabel(entry.action);
          return (
            <Fragment key={key}>
              <Table.Tr data-testid="audit-row" data-seq={entry.seq ?? undefined} data-action={entry.action}>
                <Table.Td className={classes.when}>{entry.seq === null ? "" : formatNumber(entry.seq, language)}</Table.Td>
                <Table.Td className={classes.when}>{formatDateTime(entry.at, language, { seconds: true })}</Table.Td>
                <Table.Td>
                  <Text size="sm" dir="auto">
                    {entry.actor}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={ORIGIN_COLOR[entry.origin] ?? "gray"}
                    className={classes.origin}
                    data-testid="audit-origin"
                  >
                    {i18n.exists(`audit.origins.${entry.origin}`) ? t(`audit.origins.${entry.origin}`) : entry.origin}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Stack gap={0}>
                    {label && <Text size="sm">{label}</Text>}
                    <Text className={classes.mono} c={label ? "dimmed" : undefined}>
                      <Ltr>{entry.action}</Ltr>
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Text className={classes.mono}>
                    <Ltr>{entry.entityId ? `${entry.entity} · ${entry.entityId}` : entry.entity}</Ltr>
                  </Text>
                </Table.Td>
                <Table.Td>
                  {hasChange && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      aria-expanded={expanded}
                      onClick={() => toggle(key)}
                      data-testid="audit-toggle-change"
                    >
                      {expanded ? t("audit.hideChange") : t("audit.showChange")}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
              {expanded && (
                <Table.Tr className={classes.details} data-testid="audit-change">
                  <Table.Td colSpan={7}>
                    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
                      <Change title={t("audit.before")} json={pretty(entry.before)} />
                      <Change title={t("audit.after")} json={pretty(entry.after)} />
                    </SimpleGrid>
                  </Table.Td>
                </Table.Tr>
              )}
            </Fragment>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

function Change({ title, json }: { title: string; json: string | null }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Text size="xs" fw={600}>
        {title}
      </Text>
      {json === null ? (
        <Text size="xs" c="dimmed">
          {t("common.none")}
        </Text>
      ) : (
        <pre className={classes.json} dir="ltr">
          {json}
        </pre>
      )}
    </Stack>
  );
}
