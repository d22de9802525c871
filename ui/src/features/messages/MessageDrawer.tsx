import { Alert, Badge, Button, DataList, Divider, Drawer, Group, Loader, Paper, Stack, Text, Timeline, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ChannelLabel } from "../../components/ChannelIcon";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import { toErrorPayload, type ErrorPayload, type MessageView, type OperatorAction } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime, formatHijri, formatNumber } from "../../lib/format";
import { useCan } from "../auth/session";
import { ACTION_TEST_ID, actionLabelKey, actionsFor, needsConfirmation, useMessageAction } from "./actions";
import { AttemptsList } from "./AttemptsList";
import { ConfirmActionModal } from "./ConfirmActionModal";
import { describeEventDetail } from "./eventDetail";
import { ProviderName } from "./ProviderName";
import { useTimeline } from "./queries";
import { CALL_OUTCOME_COLOR, callOutcome, isCallOutcome, STATUS_COLOR } from "./status";
import { SandboxBadge } from "./SandboxBadge";
import { StatusBadge } from "./StatusBadge";

type Props = {
  message: MessageView | null;
  onClose: () => void;
  /** The message as the backend returned it after an action, before the lists catch up. */
  onActed?: (message: MessageView) => void;
};

type Outcome = { id: string; action: OperatorAction } | { id: string; error: ErrorPayload } | null;

export function MessageDrawer({ message, onClose, onActed }: Props) {
  const { t } = useTranslation();
  const act = useMessageAction();
  const [confirming, setConfirming] = useState<OperatorAction | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  const run = (action: OperatorAction) => {
    if (!message || act.isPending) return;
    setOutcome(null);
    const id = message.id;
    act.mutate(
      { id, action },
      {
        onSuccess: (updated) => {
          setOutcome({ id, action });
          onActed?.(updated);
        },
        onError: (error) => setOutcome({ id, error: toErrorPayload(error) }),
        onSettled: () => setConfirming(null),
      },
    );
  };

  const request = (action: OperatorAction) => {
    if (needsConfirmation(action)) setConfirming(action);
    else run(action);
  };

  const close = () => {
    setConfirming(null);
    setOutcome(null);
    onClose();
  };

  return (
    <>
      {/* `right` is the inline end: Mantine mirrors drawer positions in RTL. */}
      <Drawer
        opened={message !== null}
        onClose={close}
        position="right"
        size="30rem"
        title={t("messages.details.title")}
        styles={{ title: { fontWeight: 700, fontSize: "var(--mantine-font-size-lg)" } }}
        closeButtonProps={{ "aria-label": t("common.close") }}
        // Escape closes the confirmation first, not the drawer behind it.
        closeOnEscape={confirming === null}
        data-testid="message-drawer"
      >
        {message && (
          <Details
            message={message}
            actions={
              <MessageActions
                message={message}
                pending={act.isPending ? (act.variables?.action ?? null) : null}
                outcome={outcome?.id === message.id ? outcome : null}
                onRequest={request}
                onDismissOutcome={() => setOutcome(null)}
              />
            }
          />
        )}
      </Drawer>
      <ConfirmActionModal
        request={message && confirming ? { action: confirming, message } : null}
        pending={act.isPending}
        onConfirm={() => confirming && run(confirming)}
        onClose={() => setConfirming(null)}
      />
    </>
  );
}

function MessageActions({
  message,
  pending,
  outcome,
  onRequest,
  onDismissOutcome,
}: {
  message: MessageView;
  pending: OperatorAction | null;
  outcome: Outcome;
  onRequest: (action: OperatorAction) => void;
  onDismissOutcome: () => void;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  // Only for those whose role allows acting on messages (the core checks anyway).
  const actions = useCan()("message.act") ? actionsFor(message.status) : [];
  return (
    <>
      {actions.length > 0 && (
        <Group gap="xs" data-testid="message-actions">
          {actions.map((action, i) => (
            <Button
              key={action}
              size="xs"
              variant={action === "cancel" ? "subtle" : i === 0 ? "filled" : "light"}
              color={action === "cancel" ? "red" : undefined}
              data-testid={ACTION_TEST_ID[action]}
              loading={pending === action}
              disabled={pending !== null && pending !== action}
              onClick={() => onRequest(action)}
            >
              {t(actionLabelKey(action, message))}
            </Button>
          ))}
        </Group>
      )}
      {outcome && "error" in outcome && (
        <Alert
          color="red"
          variant="light"
          radius="md"
          title={t("actions.errorTitle")}
          data-testid="action-error"
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={onDismissOutcome}
        >
          {errorText(outcome.error)}
        </Alert>
      )}
      {outcome && "action" in outcome && (
        <Alert
          color="teal"
          variant="light"
          radius="md"
          data-testid="action-done"
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={onDismissOutcome}
        >
          {t(`actions.${outcome.action}.done`)}
        </Alert>
      )}
    </>
  );
}

function Details({ message: m, actions }: { message: MessageView; actions: React.ReactNode }) {
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
        <ChannelLabel channel={m.channel} />
      </Group>

      {actions}

      <Paper withBorder p="md" bg="gray.0">
        {m.title && (
          <Text size="sm" fw={600} dir="auto" mb={6} data-testid="drawer-title">
            {m.title}
          </Text>
        )}
        <Text size="sm" dir="auto" style={{ whiteSpace: "pre-wrap" }}>
          {m.body}
        </Text>
      </Paper>

      {m.error && (
        <Alert color="red" variant="light" radius="md" title={t("messages.details.error")} data-testid="drawer-error">
          {failureText(m, errorText, t)}
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
        <ChannelDetails message={m} />
        <Item label={t("messages.details.attempts")}>{formatNumber(m.attempts, language)}</Item>
        <Item label={t("messages.details.createdAt")}>{when(m.createdAt)}</Item>
        {m.sendAt && <Item label={t("messages.details.sendAt")}>{when(m.sendAt)}</Item>}
        {m.nextAttemptAt && m.status === "queued" && m.attempts > 0 && (
          <Item label={t("messages.details.nextAttemptAt")}>{when(m.nextAttemptAt)}</Item>
        )}
        {m.expiresAt && <Item label={t("messages.details.expiresAt")}>{when(m.expiresAt)}</Item>}
        {m.urgent && <Item label={t("messages.details.urgent")}>{t("messages.details.urgentYes")}</Item>}
        <Item label={t("messages.details.sentAt")}>{when(m.sentAt)}</Item>
        <Item label={t("messages.details.deliveredAt")}>{when(m.deliveredAt)}</Item>
      </DataList>

      <MessageTimeline id={m.id} />
    </Stack>
  );
}

/** A call that ended unanswered says so in words; any other failure is the translated error. */
function failureText(m: MessageView, errorText: (e: unknown) => string, t: (key: string) => string): string {
  const code = m.error?.params.code;
  if (m.channel === "voice" && isCallOutcome(code) && code !== "completed") return t(`callFailure.${code}`);
  return errorText(m.error);
}

/** What only this channel has: SMS encoding and segments, the template, subject, title, call outcome. */
function ChannelDetails({ message: m }: { message: MessageView }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  switch (m.channel) {
    case "sms":
      return (
        <>
          <Item label={t("messages.details.encoding")}>{t(`encoding.${m.encoding}`)}</Item>
          <Item label={t("messages.details.segments")}>{formatNumber(m.segments, language)}</Item>
        </>
      );
    case "whatsapp":
      return (
        <Item label={t("messages.details.template")}>
          {m.title ? <Ltr>{m.title}</Ltr> : t("messages.details.freeText")}
        </Item>
      );
    case "email":
      return <Item label={t("messages.details.subject")}>{m.title ?? t("common.none")}</Item>;
    case "push":
      return <Item label={t("messages.details.pushTitle")}>{m.title ?? t("common.none")}</Item>;
    case "voice": {
      const outcome = callOutcome(m);
      return (
        <Item label={t("messages.details.callOutcome")}>
          {outcome ? (
            <Badge
              size="sm"
              variant="light"
              color={CALL_OUTCOME_COLOR[outcome]}
              data-testid="drawer-call-outcome"
              data-outcome={outcome}
            >
              {t(`callOutcome.${outcome}`)}
            </Badge>
          ) : (
            t("common.none")
          )}
        </Item>
      );
    }
  }
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
  const { t, i18n } = useTranslation();
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
                  {describeEventDetail(t, i18n, event.detail, language)}
                </Text>
              )}
            </Timeline.Item>
          ))}
        </Timeline>
      )}
      <Divider my={4} />
      <AttemptsList id={id} />
    </Stack>
  );
}
