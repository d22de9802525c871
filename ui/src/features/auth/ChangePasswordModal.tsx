//! "Change my password", opened from the header: the current password proves it is them, the new
//! one meets the policy and is typed twice. After a refusal only what must be retyped is cleared.
import { Text } from "@mantine/core";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormDialog } from "../../components/FormDialog";
import { toErrorPayload, type ErrorPayload } from "../../ipc";
import { paramField, useFormError } from "../../lib/errors";
import { NewPasswordField, PasswordField } from "./fields";
import { useChangeOwnPassword } from "./queries";
import { useSession } from "./session";

const WRONG_CURRENT = "auth.invalid_credentials";

/** A wrong current password belongs to its field (the backend names none); the policy's to the new one. */
const fieldOf = (error: ErrorPayload | null) => (error?.code === WRONG_CURRENT ? "current" : paramField(error));

export function ChangePasswordModal({ onClose, onDone }: { onClose: () => void; onDone: (notice: string) => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const change = useChangeOwnPassword();
  const form = useFormError(fieldOf);
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);

  return (
    <FormDialog
      opened
      title={t("auth.changePassword.title")}
      onClose={onClose}
      busy={change.isPending}
      formTestId="change-password-form"
      error={form.general}
      errorTestId="change-password-error"
      submit={t("auth.changePassword.submit")}
      submitTestId="change-password-submit"
      onSubmit={() => {
        if (change.isPending) return;
        form.set(null);
        // Caught here: the backend never sees the second copy.
        if (password !== confirm) {
          setMismatch(true);
          return;
        }
        change.mutate(
          { current, password },
          {
            onSuccess: () => onDone(t("auth.changePassword.done")),
            onError: (e) => {
              form.set(e);
              // The new password stays; only the wrong current one is typed again.
              if (toErrorPayload(e).code === WRONG_CURRENT) {
                setCurrent("");
                currentRef.current?.focus();
              }
            },
          },
        );
      }}
    >
      <Text size="sm">{t("auth.changePassword.body")}</Text>
      <PasswordField
        ref={currentRef}
        testId="change-password-current"
        label={t("auth.changePassword.current")}
        value={current}
        onChange={(value) => {
          setCurrent(value);
          form.clear("current");
        }}
        error={form.at("current") && t("auth.changePassword.wrongCurrent")}
        autoComplete="current-password"
        data-autofocus
        withAsterisk
      />
      <NewPasswordField
        testId="change-password-new"
        label={t("auth.changePassword.new")}
        value={password}
        onChange={(value) => {
          setPassword(value);
          setMismatch(false);
          form.clear("password");
        }}
        error={form.at("password")}
        username={session.user.username}
      />
      <PasswordField
        testId="change-password-confirm"
        label={t("auth.changePassword.confirm")}
        value={confirm}
        onChange={(value) => {
          setConfirm(value);
          setMismatch(false);
        }}
        error={mismatch ? t("auth.changePassword.mismatch") : undefined}
        autoComplete="new-password"
        withAsterisk
      />
    </FormDialog>
  );
}
