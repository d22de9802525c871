//! A dialog around one form: its fields, then the error that belongs to no field, then back and
//! submit. It does not close while the form is being saved, so a change is never left half-seen.
import { Alert, Button, Group, Modal, Stack } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

type Props = {
  opened: boolean;
  title: string;
  onClose: () => void;
  /** Saving: the dialog stays, back is disabled and submit spins. */
  busy: boolean;
  onSubmit: () => void;
  submit: string;
  submitTestId: string;
  submitColor?: string;
  /** The error that names no field, already in words. */
  error: string | null;
  errorTestId: string;
  formTestId?: string;
  /** Wider for longer forms (Mantine's modal sizes); `md` otherwise. */
  size?: string;
  children: ReactNode;
};

export function FormDialog({ opened, title, onClose, busy, onSubmit, submit, submitTestId, submitColor, error, errorTestId, formTestId, size = "md", children }: Props) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={opened}
      onClose={() => {
        if (!busy) onClose();
      }}
      title={title}
      centered
      size={size}
      styles={{ title: { fontWeight: 700 } }}
      closeButtonProps={{ "aria-label": t("common.close") }}
    >
      <form
        noValidate
        data-testid={formTestId}
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        <Stack gap="md">
          {children}
          {error && (
            <Alert color="red" variant="light" radius="md" data-testid={errorTestId}>
              {error}
            </Alert>
          )}
          <FormActions onCancel={onClose} busy={busy} submit={submit} testId={submitTestId} color={submitColor} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Back and submit at the end of a dialog's form; back waits while the form is being saved. */
function FormActions({ onCancel, busy, submit, testId, color }: { onCancel: () => void; busy: boolean; submit: string; testId: string; color?: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" gap="sm">
      <Button variant="default" onClick={onCancel} disabled={busy}>
        {t("common.back")}
      </Button>
      <Button type="submit" loading={busy} color={color} data-testid={testId}>
        {submit}
      </Button>
    </Group>
  );
}
