import { Alert, Button, EmptyState, Group, List, Paper, Stack, Table, Text } from "@mantine/core";
import { useState, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { PageHeader } from "../../components/PageHeader";
import { toErrorPayload, type ErrorPayload, type MessageView, type OperatorAction } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { ACTION_TEST_ID, latest, useMessageAction } from "../messages/actions";
import { ConfirmActionModal } from "../messages/ConfirmActionModal";
import { MessageDrawer } from "../messages/MessageDrawer";
import { useNeedsAttention } from "../messages/queries";
import { MessageTable, type MessageColumn } from "../messages/MessageTable";
import classes from "./AttentionPage.module.css";
import { Loading } from "../../components/Loading";

/** What the desk can do from the list; cancelling stays in the message's details. */
const ROW_ACTIONS: readonly OperatorAction[] = ["resend", "dismiss"];
const COLUMNS: readonly MessageColumn[] = ["time", "recipient", "body", "attempts"];

type Outcome = { action: OperatorAction; message: MessageView } | { error: ErrorPayload } | null;

/**
 * Messages whose send was cut off half-way: nobody knows whether the family got them, so the
 * console never sends them again on its own. The desk checks, then resends or closes each one.
 */
export function AttentionPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const attention = useNeedsAttention();
  const act = useMessageAction();
  const rows = attention.data ?? [];
  const [confirming, setConfirming] = useState<{ action: OperatorAction; message: MessageView } | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [acted, setActed] = useState<MessageView | null>(null);
  const opened = latest(rows.find((m) => m.id === openId), acted?.id === openId ? acted : undefined);

  const confirm = () => {
    if (!confirming || act.isPending) return;
    const { action, message } = confirming;
    setOutcome(null);
    act.mutate(
      { id: message.id, action },
      {
        onSuccess: (updated) => {
          setActed(updated);
          setOutcome({ action, message: updated });
        },
        onError: (error) => setOutcome({ error: toErrorPayload(error) }),
        onSettled: () => setConfirming(null),
      },
    );
  };

  return (
    <Stack gap={0}>
      <PageHeader title={t("attention.title")} subtitle={t("attention.subtitle")} />

      <Alert color="blue" variant="light" radius="md" mb="lg" title={t("attention.explainTitle")} data-testid="attention-explain">
        <Stack gap="xs">
          <Text size="sm">{t("attention.explainBody")}</Text>
          <List size="sm" spacing={4} type="ordered" className={classes.steps}>
            <List.Item>{t("attention.stepCheck")}</List.Item>
            <List.Item>{t("attention.stepResend")}</List.Item>
            <List.Item>{t("attention.stepDismiss")}</List.Item>
          </List>
          <Text size="xs" c="dimmed">
            {t("attention.explainNever")}
          </Text>
        </Stack>
      </Alert>

      {outcome && "error" in outcome && (
        <Alert
          color="red"
          variant="light"
          radius="md"
          mb="lg"
          title={t("actions.errorTitle")}
          data-testid="action-error"
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={() => setOutcome(null)}
        >
          {errorText(outcome.error)}
        </Alert>
      )}
      {outcome && "action" in outcome && (
        <Alert
          color="teal"
          variant="light"
          radius="md"
          mb="lg"
          data-testid="action-done"
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={() => setOutcome(null)}
        >
          {t(`actions.${outcome.action}.done`)}
        </Alert>
      )}

      {attention.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")}>
          <Group justify="space-between">
            <Text size="sm">{errorText(attention.error)}</Text>
            <Button size="xs" variant="white" color="red" onClick={() => void attention.refetch()}>
              {t("common.retry")}
            </Button>
          </Group>
        </Alert>
      )}

      <Paper withBorder shadow="xs" className={classes.tablePaper}>
        {attention.isPending ? <Loading /> : rows.length === 0 ? (
          <EmptyState
            py="3rem"
            data-testid="attention-empty"
            withIndicatorBackground
            icon={<CheckIcon />}
            title={t("attention.empty.title")}
            description={t("attention.empty.description")}
          />
        ) : (
          <Table.ScrollContainer minWidth="52rem">
            <MessageTable
              rows={rows}
              columns={COLUMNS}
              onOpen={setOpenId}
              testId="attention-table"
              rowTestId="attention-row"
              bodyLines={2}
              extra={{
                header: t("attention.columns.actions"),
                cell: (m) => (
                  <RowActions
                    message={m}
                    pending={act.isPending ? (act.variables ?? null) : null}
                    onAction={(action, message) => {
                      setOutcome(null);
                      setConfirming({ action, message });
                    }}
                  />
                ),
              }}
            />
          </Table.ScrollContainer>
        )}
      </Paper>

      <MessageDrawer message={opened} onClose={() => setOpenId(null)} onActed={setActed} />
      <ConfirmActionModal request={confirming} pending={act.isPending} onConfirm={confirm} onClose={() => setConfirming(null)} />
    </Stack>
  );
}

/** Resend or close one message, from its row; the row itself opens the details. */
function RowActions({
  message,
  pending,
  onAction,
}: {
  message: MessageView;
  pending: { id: string; action: OperatorAction } | null;
  onAction: (action: OperatorAction, message: MessageView) => void;
}) {
  const { t } = useTranslation();
  const click = (action: OperatorAction) => (event: MouseEvent) => {
    // The row opens the details; a button only asks about its own action.
    event.stopPropagation();
    onAction(action, message);
  };
  return (
    <Group gap="xs" wrap="nowrap">
      {ROW_ACTIONS.map((action) => (
        <Button
          key={action}
          size="xs"
          variant={action === "resend" ? "filled" : "light"}
          data-testid={ACTION_TEST_ID[action]}
          loading={pending?.id === message.id && pending.action === action}
          disabled={pending !== null && !(pending.id === message.id && pending.action === action)}
          onClick={click(action)}
        >
          {t(`actions.${action}.label`)}
        </Button>
      ))}
    </Group>
  );
}

function CheckIcon() {
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
      <circle cx="12" cy="12" r="9" />
      <path d="m8 12.5 2.8 2.8L16.5 9.5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
