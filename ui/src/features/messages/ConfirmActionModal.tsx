import { Button, Group, Modal, Paper, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import type { MessageView, OperatorAction } from "../../ipc";

type Props = {
  /** The action waiting for a yes, with the message it is for; `null` keeps the modal closed. */
  request: { action: OperatorAction; message: MessageView } | null;
  pending: boolean;
  onConfirm: () => void;
  onClose: () => void;
};

/** Says in plain words what the action will do to this family's message before it is done. */
export function ConfirmActionModal({ request, pending, onConfirm, onClose }: Props) {
  const { t } = useTranslation();
  const action = request?.action;
  const message = request?.message;
  // Cancelling an `unknown` message is closing it without knowing whether it arrived.
  const bodyKey =
    action === "cancel" && message?.status === "unknown" ? "actions.cancel.confirmBodyUnknown" : `actions.${action}.confirmBody`;
  const destructive = action === "cancel";

  return (
    <Modal
      opened={request !== null}
      onClose={() => {
        if (!pending) onClose();
      }}
      title={action ? t(`actions.${action}.confirmTitle`) : ""}
      centered
      size="md"
      styles={{ title: { fontWeight: 700 } }}
      closeButtonProps={{ "aria-label": t("common.close") }}
    >
      {action && message && (
        <Stack gap="md" data-testid="confirm-modal" data-action={action}>
          <Text size="sm">{t(bodyKey)}</Text>
          <Paper withBorder p="sm" bg="gray.0">
            <Text size="xs" c="dimmed" mb={4}>
              {message.guardianName ? `${message.guardianName} · ` : ""}
              <Ltr>{message.toDisplay}</Ltr>
            </Text>
            <Text size="sm" dir="auto" lineClamp={3}>
              {message.body}
            </Text>
          </Paper>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose} disabled={pending} data-testid="confirm-back">
              {t("actions.back")}
            </Button>
            <Button
              color={destructive ? "red" : undefined}
              onClick={onConfirm}
              loading={pending}
              data-testid="confirm-action"
              data-action={action}
            >
              {t(`actions.${action}.confirm`)}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
