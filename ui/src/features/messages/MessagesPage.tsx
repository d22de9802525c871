import { Alert, Button, EmptyState, Group, Paper, Select, Stack, Table, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageHeader } from "../../components/PageHeader";
import { CHANNELS } from "../../lib/channels";
import type { MessageChannel, MessageStatus, MessageView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { latest } from "./actions";
import { MessageDrawer } from "./MessageDrawer";
import { useProviders } from "../settings/queries";
import { useMessages } from "./queries";
import { MESSAGE_STATUSES } from "./status";
import { MessageTable, type MessageColumn } from "./MessageTable";
import classes from "./MessagesPage.module.css";
import { Loading } from "../../components/Loading";

const ALL = "all";
const COLUMNS: readonly MessageColumn[] = ["time", "recipient", "body", "channel", "provider", "status", "segments"];

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
          <Table.ScrollContainer minWidth="60rem">
            <MessageTable
              rows={rows}
              columns={COLUMNS}
              onOpen={setSelectedId}
              testId="messages-table"
              rowTestId="message-row"
            />
          </Table.ScrollContainer>
        )}
      </Paper>

      <MessageDrawer message={selected} onClose={() => setSelectedId(null)} onActed={setActed} />
    </Stack>
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
