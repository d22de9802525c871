import { Alert, Button, EmptyState, Group, Paper, Select, Stack, Table, Text } from "@mantine/core";
import { useMemo, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import { ChannelLabel } from "../../components/ChannelIcon";
import { CHANNELS } from "../../lib/channels";
import type { MessageChannel, MessageStatus, MessageView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime, formatHijri, formatNumber } from "../../lib/format";
import { latest } from "./actions";
import { MessageDrawer } from "./MessageDrawer";
import { ProviderName } from "./ProviderName";
import { SandboxBadge } from "./SandboxBadge";
import { useProviders } from "../settings/queries";
import { useMessages } from "./queries";
import { MESSAGE_STATUSES } from "./status";
import { StatusBadge } from "./StatusBadge";
import classes from "./MessagesPage.module.css";
import { Loading } from "../../components/Loading";

const ALL = "all";

export function MessagesPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [status, setStatus] = useState<MessageStatus | null>(null);
  const [channel, setChannel] = useState<MessageChannel | null>(null);
  const [provider, setProvider] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [acted, setActed] = useState<MessageView | null>(null);
  const messages = useMessages({ status, channel, provider });
  const providers = useProviders();
  const rows = messages.data ?? [];
  const selected = latest(rows.find((m) => m.id === selectedId), acted?.id === selectedId ? acted : undefined);
  const filtered = status !== null || channel !== null || provider !== null;

  // The providers of the chosen channel (or all of them), in failover order.
  const providerOptions = useMemo(
    () =>
      (providers.data ?? [])
        .filter((p) => channel === null || p.channel === channel)
        .map((p) => ({ value: p.id, label: t(`providers.${p.id}`, { defaultValue: p.id }) })),
    [providers.data, channel, t],
  );

  const filters = (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <Select
        data-testid="messages-channel-filter"
        label={t("messages.filter.channel")}
        w="11rem"
        allowDeselect={false}
        value={channel ?? ALL}
        onChange={(value) => {
          const next = value && value !== ALL ? (value as MessageChannel) : null;
          setChannel(next);
          // A provider of another channel would hide everything.
          if (next && provider && !providers.data?.some((p) => p.id === provider && p.channel === next)) setProvider(null);
        }}
        data={[
          { value: ALL, label: t("messages.filter.allChannels") },
          ...CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) })),
        ]}
        comboboxProps={{ shadow: "md" }}
      />
      <Select
        data-testid="messages-provider-filter"
        label={t("messages.filter.provider")}
        w="11rem"
        allowDeselect={false}
        value={provider ?? ALL}
        onChange={(value) => setProvider(value && value !== ALL ? value : null)}
        data={[{ value: ALL, label: t("messages.filter.allProviders") }, ...providerOptions]}
        comboboxProps={{ shadow: "md" }}
      />
      <Select
        data-testid="messages-filter"
        label={t("messages.filter.label")}
        w="11rem"
        allowDeselect={false}
        value={status ?? ALL}
        onChange={(value) => setStatus(value && value !== ALL ? (value as MessageStatus) : null)}
        data={[
          { value: ALL, label: t("messages.filter.all") },
          ...MESSAGE_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) })),
        ]}
        comboboxProps={{ shadow: "md" }}
      />
    </Group>
  );

  return (
    <Stack gap={0}>
      <PageHeader title={t("messages.title")} subtitle={t("messages.subtitle")} actions={filters} />

      {messages.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")}>
          <Group justify="space-between">
            <Text size="sm">{errorText(messages.error)}</Text>
            <Button size="xs" variant="white" color="red" onClick={() => void messages.refetch()}>
              {t("common.retry")}
            </Button>
          </Group>
        </Alert>
      )}

      <Paper withBorder shadow="xs" className={classes.tablePaper}>
        {messages.isPending ? <Loading /> : rows.length === 0 ? (
          <EmptyState
            py="3rem"
            data-testid="messages-empty"
            withIndicatorBackground
            icon={<InboxIcon />}
            title={filtered ? t("messages.empty.filteredTitle") : t("messages.empty.title")}
            description={filtered ? t("messages.empty.filteredDescription") : t("messages.empty.description")}
          />
        ) : (
          <Table.ScrollContainer minWidth="56rem">
            <MessagesTable rows={rows} onOpen={setSelectedId} />
          </Table.ScrollContainer>
        )}
      </Paper>

      <MessageDrawer message={selected} onClose={() => setSelectedId(null)} onActed={setActed} />
    </Stack>
  );
}

export function MessagesTable({ rows, onOpen }: { rows: MessageView[]; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const onKeyDown = (id: string) => (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onOpen(id);
    }
  };
  return (
    <Table data-testid="messages-table" highlightOnHover verticalSpacing="sm" horizontalSpacing="md" className={classes.table}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("messages.columns.time")}</Table.Th>
          <Table.Th>{t("messages.columns.recipient")}</Table.Th>
          <Table.Th>{t("messages.columns.body")}</Table.Th>
          <Table.Th>{t("messages.columns.channel")}</Table.Th>
          <Table.Th>{t("messages.columns.provider")}</Table.Th>
          <Table.Th>{t("messages.columns.status")}</Table.Th>
          <Table.Th className={classes.numeric}>{t("messages.columns.segments")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((m) => (
          <Table.Tr
            key={m.id}
            data-testid="message-row"
            data-status={m.status}
            data-channel={m.channel}
            data-id={m.id}
            className={classes.row}
            tabIndex={0}
            aria-label={t("messages.openDetails")}
            onClick={() => onOpen(m.id)}
            onKeyDown={onKeyDown(m.id)}
          >
            <Table.Td className={classes.time}>
              <Text size="sm">{formatDateTime(m.createdAt, language)}</Text>
              <Text size="xs" c="dimmed">
                {formatHijri(m.createdAt, language)}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" fw={500}>
                {m.guardianName ?? t("common.none")}
              </Text>
              <Text size="xs" c="dimmed">
                <Ltr>{m.toDisplay}</Ltr>
              </Text>
            </Table.Td>
            <Table.Td className={classes.bodyCell}>
              <Text size="sm" lineClamp={1} dir="auto" title={m.body}>
                {m.body}
              </Text>
              {m.title && (
                <Text size="xs" c="dimmed" lineClamp={1} dir="auto" data-testid="message-title">
                  {m.title}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <ChannelLabel channel={m.channel} />
            </Table.Td>
            <Table.Td>
              <Text size="sm">{m.provider ? <ProviderName id={m.provider} /> : t("common.none")}</Text>
            </Table.Td>
            <Table.Td>
              <Group gap={6} wrap="nowrap">
                <StatusBadge status={m.status} testId="message-status" />
                {m.sandbox && <SandboxBadge />}
              </Group>
            </Table.Td>
            <Table.Td className={classes.numeric}>
              <Text size="sm">{m.channel === "sms" ? formatNumber(m.segments, language) : t("common.none")}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function InboxIcon() {
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
      <path d="M4 13h4l1.5 3h5L16 13h4" strokeLinejoin="round" />
      <path d="M5.5 5h13L21 13v6H3v-6z" strokeLinejoin="round" />
    </svg>
  );
}
