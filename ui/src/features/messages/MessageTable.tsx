// One table of messages for every screen that lists them (Messages, Needs attention, and the
// screens to come): each screen picks its columns and may add a trailing column of its own.
import { Group, Table, Text } from "@mantine/core";
import type { KeyboardEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ChannelLabel } from "../../components/ChannelIcon";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import type { MessageView } from "../../ipc";
import { formatDateTime, formatHijri, formatNumber } from "../../lib/format";
import { ProviderName } from "./ProviderName";
import { SandboxBadge } from "./SandboxBadge";
import { StatusBadge } from "./StatusBadge";
import classes from "./MessageTable.module.css";

export type MessageColumn = "time" | "recipient" | "body" | "channel" | "provider" | "status" | "segments" | "attempts";

type Props = {
  rows: MessageView[];
  columns: readonly MessageColumn[];
  onOpen: (id: string) => void;
  /** `data-testid` of the table and of each row. */
  testId: string;
  rowTestId: string;
  /** Lines of the body shown before it is cut (the full text is in the row's details). */
  bodyLines?: number;
  /** A trailing column of the screen's own, e.g. the actions an operator can take. */
  extra?: { header: string; cell: (m: MessageView) => ReactNode };
};

export function MessageTable({ rows, columns, onOpen, testId, rowTestId, bodyLines = 1, extra }: Props) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const has = (c: MessageColumn) => columns.includes(c);
  // Without a status column, the sandbox mark goes beside the recipient.
  const sandboxBy = has("status") ? "status" : "recipient";
  const onKeyDown = (id: string) => (event: KeyboardEvent<HTMLTableRowElement>) => {
    // Keys pressed on a button inside the row belong to the button.
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onOpen(id);
    }
  };
  const header: Record<MessageColumn, string> = {
    time: t("messages.columns.time"),
    recipient: t("messages.columns.recipient"),
    body: t("messages.columns.body"),
    channel: t("messages.columns.channel"),
    provider: t("messages.columns.provider"),
    status: t("messages.columns.status"),
    segments: t("messages.columns.segments"),
    attempts: t("attention.columns.attempts"),
  };
  const numeric = (c: MessageColumn) => c === "segments" || c === "attempts";
  const cell = (c: MessageColumn, m: MessageView): ReactNode => {
    switch (c) {
      case "time":
        return (
          <>
            <Text size="sm">{formatDateTime(m.createdAt, language)}</Text>
            <Text size="xs" c="dimmed">
              {formatHijri(m.createdAt, language)}
            </Text>
          </>
        );
      case "recipient":
        return (
          <>
            <Group gap={6} wrap="nowrap">
              <Text size="sm" fw={500}>
                {m.guardianName ?? t("common.none")}
              </Text>
              {sandboxBy === "recipient" && m.sandbox && <SandboxBadge />}
            </Group>
            <Text size="xs" c="dimmed">
              <Ltr>{m.toDisplay}</Ltr>
            </Text>
          </>
        );
      case "body":
        return (
          <>
            <Text size="sm" lineClamp={bodyLines} dir="auto" title={m.body}>
              {m.body}
            </Text>
            {m.title && (
              <Text size="xs" c="dimmed" lineClamp={1} dir="auto" data-testid="message-title">
                {m.title}
              </Text>
            )}
          </>
        );
      case "channel":
        return <ChannelLabel channel={m.channel} />;
      case "provider":
        return <Text size="sm">{m.provider ? <ProviderName id={m.provider} /> : t("common.none")}</Text>;
      case "status":
        return (
          <Group gap={6} wrap="nowrap" className={classes.badges}>
            <StatusBadge status={m.status} testId="message-status" />
            {m.sandbox && <SandboxBadge />}
          </Group>
        );
      case "segments":
        return <Text size="sm">{m.channel === "sms" ? formatNumber(m.segments, language) : t("common.none")}</Text>;
      case "attempts":
        return <Text size="sm">{formatNumber(m.attempts, language)}</Text>;
    }
  };
  const cellClass = (c: MessageColumn) => {
    if (c === "time") return classes.time;
    if (c === "body") return classes.bodyCell;
    if (numeric(c)) return classes.numeric;
    return c === "channel" || c === "provider" || c === "status" ? classes.nowrap : undefined;
  };

  return (
    <Table data-testid={testId} highlightOnHover verticalSpacing="sm" horizontalSpacing="sm" className={classes.table}>
      <Table.Thead>
        <Table.Tr>
          {columns.map((c) => (
            <Table.Th key={c} className={numeric(c) ? classes.numeric : undefined}>
              {header[c]}
            </Table.Th>
          ))}
          {extra && <Table.Th>{extra.header}</Table.Th>}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((m) => (
          <Table.Tr
            key={m.id}
            data-testid={rowTestId}
            data-status={m.status}
            data-channel={m.channel}
            data-id={m.id}
            className={classes.row}
            tabIndex={0}
            aria-label={t("messages.openDetails")}
            onClick={() => onOpen(m.id)}
            onKeyDown={onKeyDown(m.id)}
          >
            {columns.map((c) => (
              <Table.Td key={c} className={cellClass(c)}>
                {cell(c, m)}
              </Table.Td>
            ))}
            {extra && <Table.Td>{extra.cell(m)}</Table.Td>}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
