import { Alert, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { toErrorPayload, type ErrorPayload, type SessionView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { PasswordField } from "./fields";
import { useUnlock } from "./queries";

type Props = { opened: boolean; session: SessionView; onSignOut: () => void };

/**
 * Over the app after idling (or "lock"): the screen underneath stays as it was, hidden behind a
 * blurred overlay; focus stays in here; only the user's password (or signing out) leaves it.
 */
export function LockOverlay({ opened, session, onSignOut }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const unlock = useUnlock();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ErrorPayload | null>(null);

  return (
    <Modal
      opened={opened}
      onClose={() => undefined}
      withCloseButton={false}
      closeOnEscape={false}
      closeOnClickOutside={false}
      trapFocus
      centered
      zIndex={1000}
      overlayProps={{ backgroundOpacity: 0.55, blur: 14 }}
      title={t("auth.lock.title")}
      styles={{ title: { fontWeight: 700, fontSize: "var(--mantine-font-size-lg)" } }}
      data-testid="lock-overlay"
    >
      <form
        noValidate
        data-testid="lock-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (unlock.isPending) return;
          setError(null);
          unlock.mutate(password, {
            onSuccess: () => setPassword(""),
            onError: (e) => {
              setError(toErrorPayload(e));
              setPassword("");
            },
          });
        }}
      >
        <Stack gap="md">
          <Text size="sm">{t("auth.lock.body", { name: session.user.displayName })}</Text>
          <PasswordField
            testId="unlock-password"
            label={t("auth.lock.password")}
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
            data-autofocus
            error={error !== null}
          />
          {error && (
            <Alert color="red" variant="light" radius="md" data-testid="unlock-error" role="alert">
              {errorText(error)}
            </Alert>
          )}
          <Group justify="space-between">
            <Button variant="subtle" color="gray" onClick={onSignOut} data-testid="lock-sign-out">
              {t("auth.lock.signOut")}
            </Button>
            <Button type="submit" loading={unlock.isPending} data-testid="unlock-submit">
              {t("auth.lock.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
