import { Alert, Button, Stack } from "@mantine/core";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { toErrorPayload, type ErrorPayload } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { AuthFrame } from "./AuthFrame";
import { NameField, PasswordField } from "./fields";
import { useLogin } from "./queries";

/** Username and password. A refusal is said in words (wrong, locked for N minutes, disabled); the username stays. */
export function SignInPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const login = useLogin();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ErrorPayload | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  return (
    <AuthFrame title={t("auth.signIn.title")} subtitle={t("auth.signIn.subtitle")}>
      <form
        noValidate
        data-testid="signin-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (login.isPending) return;
          setError(null);
          login.mutate(
            { username, password },
            {
              onError: (e) => {
                setError(toErrorPayload(e));
                // The password is typed again; the username stays as it was.
                setPassword("");
                passwordRef.current?.focus();
              },
            },
          );
        }}
      >
        <Stack gap="md">
          <NameField
            testId="signin-username"
            label={t("auth.signIn.username")}
            value={username}
            onChange={setUsername}
            autoComplete="username"
            autoFocus
            required
          />
          <PasswordField
            ref={passwordRef}
            testId="signin-password"
            label={t("auth.signIn.password")}
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
            error={error !== null}
            required
          />
          {error && (
            <Alert color="red" variant="light" radius="md" data-testid="signin-error" role="alert">
              {errorText(error)}
            </Alert>
          )}
          <Button type="submit" fullWidth loading={login.isPending} data-testid="signin-submit">
            {t("auth.signIn.submit")}
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}
