import { Alert, Button, Stack } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { queryKeys, toErrorPayload, type ErrorPayload } from "../../ipc";
import { paramField, useErrorText } from "../../lib/errors";
import { AuthFrame } from "./AuthFrame";
import { NameField, NewPasswordField, NewUsernameField, PasswordField } from "./fields";
import { useCreateFirstAdmin } from "./queries";

type Field = "username" | "password" | "confirm";

/** A new installation: the first administrator, who is then signed in. Errors go to their field; nothing typed is lost. */
export function FirstAdminPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const create = useCreateFirstAdmin();
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [mismatch, setMismatch] = useState(false);

  const field = paramField(error) as Field | null;
  const at = (name: Field) => (field === name && error ? errorText(error) : undefined);
  const edit = (name: Field, set: (value: string) => void) => (value: string) => {
    set(value);
    if (field === name) setError(null);
    if (name === "password" || name === "confirm") setMismatch(false);
  };

  return (
    <AuthFrame title={t("auth.firstRun.title")} subtitle={t("auth.firstRun.subtitle")}>
      <form
        noValidate
        data-testid="first-admin-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (create.isPending) return;
          setError(null);
          if (password !== confirm) {
            setMismatch(true);
            return;
          }
          create.mutate({ username, displayName, password, roles: ["admin"] }, { onError: (e) => setError(toErrorPayload(e)) });
        }}
      >
        <Stack gap="md">
          <NewUsernameField
            testId="first-admin-username"
            label={t("auth.firstRun.username")}
            value={username}
            onChange={edit("username", setUsername)}
            error={at("username")}
            autoComplete="username"
            autoFocus
          />
          <NameField
            testId="first-admin-display-name"
            label={t("auth.firstRun.displayName")}
            description={t("auth.firstRun.displayNameHint")}
            value={displayName}
            onChange={setDisplayName}
            autoComplete="name"
          />
          <NewPasswordField
            testId="first-admin-password"
            label={t("auth.firstRun.password")}
            value={password}
            onChange={edit("password", setPassword)}
            error={at("password")}
            username={username}
          />
          <PasswordField
            testId="first-admin-confirm"
            label={t("auth.firstRun.confirm")}
            value={confirm}
            onChange={edit("confirm", setConfirm)}
            error={mismatch ? t("auth.firstRun.mismatch") : undefined}
            autoComplete="new-password"
            withAsterisk
          />
          {error && !field && (
            <Alert color="red" variant="light" radius="md" data-testid="first-admin-error">
              {errorText(error)}
              {error.code === "auth.first_admin_exists" && (
                <Button
                  variant="white"
                  size="xs"
                  mt="sm"
                  display="block"
                  onClick={() => void client.invalidateQueries({ queryKey: queryKeys.authState })}
                >
                  {t("auth.firstRun.toSignIn")}
                </Button>
              )}
            </Alert>
          )}
          <Button type="submit" fullWidth loading={create.isPending} data-testid="first-admin-submit">
            {t("auth.firstRun.submit")}
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}
