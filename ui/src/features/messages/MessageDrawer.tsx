import { Alert, DataList, Drawer, Group, Loader, Paper, Stack, Text, Timeline, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import type { MessageView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime, formatHijri, formatNumber } from "../../lib/format";
import { ProviderName } from "./ProviderName";
import { useTimeline } from "./queries";
import { STATUS_COLOR } from "./status";
import { SandboxBadge } from "./SandboxBadge";
import { StatusBadge } from "./StatusBadge";

export function MessageDrawer({ message, onClose }: { message: MessageView | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    // `right` is the inline end: Mantine mirrors drawer positions in RTL.
    <Drawer
      opened={message !== null}
      onClose={onClose}
      position="right"
      size="28rem"
      title={t("messages.details.title")}
      styles={{ title: { fontWeight: 700, fontSize: "var(--mantine-font-size-lg)" } }}
      closeButtonProps={{ "aria-label": t("common.close") }}
      data-testid="message-drawer"
    >
      {message && <Details message={message} />}
    </Drawer>
  );
}

function Details({ message: m }: { message: MessageView }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const when = (iso: string | null) =>
    iso ? (
      <Stack gap={0}>
        <span>{formatDateTime(iso, language)}</span>
        <Text span size="xs" c="dimmed">
          {formatHijri(iso, language)}
        </Text>
      </Stack>
    ) : (
      t("common.none")
    );

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Group gap={6}>
          <StatusBadge status={m.status} testId="drawer-status" />
          {m.sandbox && <SandboxBadge />}
        </Group>
        <Text size="sm" c="dimmed">
          {t(`channel.${m.channel}`)}
        </Text>
      </Group>

      <Paper withBorder p="md" bg="gray.0">
        <Text size="sm" dir="auto" style={{ whiteSpace: "pre-wrap" }}>
          {m.body}
        </Text>
      </Paper>

      {m.error && (
        <Alert color="red" variant="light" radius="md" title={t("messages.details.error")}>
          {errorText(m.error)}
        </Alert>
      )}

      <DataList
        size="sm"
        orientation="horizontal"
        labelWidth="9rem"
        gap="xs"
        styles={{ itemValue: { minWidth: 0, overflowWrap: "anywhere" } }}
      >
        <Item label={t("messages.details.recipient")}>
          <Ltr>{m.toDisplay}</Ltr>
        </Item>
        <Item label={t("messages.details.guardian")}>{m.guardianName ?? t("common.none")}</Item>
        <Item label={t("messages.details.provider")}>{m.provider ? <ProviderName id={m.provider} /> : t("common.none")}</Item>
        <Item label={t("messages.details.providerMessageId")}>
          {m.providerMessageId ? <Ltr>{m.providerMessageId}</Ltr> : t("common.none")}
        </Item>
        <Item label={t("messages.details.encoding")}>{t(`encoding.${m.encoding}`)}</Item>
        <Item label={t("messages.details.segments")}>{formatNumber(m.segments, language)}</Item>
        <Item label={t("messages.details.attempts")}>{formatNumber(m.attempts, language)}</Item>
        <Item label={t("messages.details.createdAt")}>{when(m.createdAt)}</Item>
        <Item label={t("messages.details.sentAt")}>{when(m.sentAt)}</Item>
        <Item label={t("messages.details.deliveredAt")}>{when(m.deliveredAt)}</Item>
      </DataList>

      <MessageTimeline id={m.id} />
    </Stack>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

function MessageTimeline({ id }: { id: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const timeline = useTimeline(id);
  const events = timeline.data ?? [];

  return (
    <Stack gap="sm">
      <Title order={4} fz="md">
        {t("messages.timeline.title")}
      </Title>
      {timeline.isPending ? (
        <Loader size="sm" />
      ) : timeline.isError ? (
        <Alert color="red" variant="light">
          {errorText(timeline.error)}
        </Alert>
      ) : events.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="timeline">
          {t("messages.timeline.empty")}
        </Text>
      ) : (
        <Timeline data-testid="timeline" active={events.length - 1} bulletSize={14} lineWidth={2} color="wasel">
          {events.map((event) => (
            <Timeline.Item
              key={event.id}
              color={STATUS_COLOR[event.status]}
              title={<Text size="sm" fw={600}>{t(`status.${event.status}`)}</Text>}
              data-status={event.status}
            >
              <Text size="xs" c="dimmed">
                {t(`source.${event.source}`)} · {formatDateTime(event.at, language, { seconds: true })}
              </Text>
              <Text size="xs" c="dimmed">
                {formatHijri(event.at, language)}
              </Text>
              {event.detail && (
                <Text size="xs" mt={4} dir="auto">
                  {event.detail}
                </Text>
              )}
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Stack>
  );
}
