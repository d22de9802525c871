//! The Users screen's dialogs: a new user, a user's roles, disabling or enabling, a new password.
//! Each keeps what was typed when the backend refuses, and shows why at the field it is about.
import { Alert, Button, Group, Modal, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { toErrorPayload, type ErrorPayload, type Role, type UserView } from "../../ipc";
import { paramField, useErrorText } from "../../lib/errors";
import { PasswordPolicy } from "../auth/PasswordPolicy";
import { useCreateUser, useResetPassword, useSetDisabled, useSetRoles } from "./queries";
import { RoleCheckboxes } from "./RoleCheckboxes";
import classes from "./UsersPage.module.css";

type Done = (notice: string) => void;

function Dialog({ opened, title, onClose, busy, children }: { opened: boolean; title: string; onClose: () => void; busy: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={opened}
      onClose={() => {
        if (!busy) onClose();
      }}
      title={title}
      centered
      size="md"
      styles={{ title: { fontWeight: 700 } }}
      closeButtonProps={{ "aria-label": t("common.close") }}
    >
      {children}
    </Modal>
  );
}

/** The error of a form: at its field when the backend names one, else above the buttons. */
function useFormError() {
  const errorText = useErrorText();
  const [error, setError] = useState<ErrorPayload | null>(null);
  const field = paramField(error);
  return {
    error,
    set: (e: unknown) => setError(e === null ? null : toErrorPayload(e)),
    at: (name: string) => (error && field === name ? errorText(error) : undefined),
    clear: (name: string) => {
      if (field === name) setError(null);
    },
    general: error && !field ? errorText(error) : null,
  };
}

function Actions({ onCancel, busy, submit, testId, color }: { onCancel: () => void; busy: boolean; submit: string; testId: string; color?: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" gap="sm">
      <Button variant="default" onClick={onCancel} disabled={busy}>
        {t("users.cancel")}
      </Button>
      <Button type="submit" loading={busy} color={color} data-testid={testId}>
        {submit}
      </Button>
    </Group>
  );
}

function GeneralError({ text }: { text: string | null }) {
  return text ? (
    <Alert color="red" variant="light" radius="md" data-testid="user-form-error">
      {text}
    </Alert>
  ) : null;
}

export function NewUserModal({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const create = useCreateUser();
  const form = useFormError();
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<Role[]>(["reception"]);
  const reset = () => {
    setUsername("");
    setDisplayName("");
    setPassword("");
    setRoles(["reception"]);
    form.set(null);
  };

  return (
    <Dialog opened={opened} title={t("users.new.title")} onClose={onClose} busy={create.isPending}>
      <form
        noValidate
        data-testid="new-user-form"
        onSubmit={(event) => {
          event.preventDefault();
          form.set(null);
          create.mutate(
            { username, displayName, password, roles },
            {
              onSuccess: (user) => {
                reset();
                onDone(t("users.notice.created", { name: user.displayName }));
              },
              onError: form.set,
            },
          );
        }}
      >
        <Stack gap="md">
          <TextInput
            data-testid="new-user-username"
            label={t("users.form.username")}
            description={t("auth.firstRun.usernameHint")}
            value={username}
            onChange={(e) => {
              setUsername(e.currentTarget.value);
              form.clear("username");
            }}
            error={form.at("username")}
            errorProps={{ "data-testid": "new-user-username-error" }}
            autoComplete="off"
            dir="auto"
            withAsterisk
            data-autofocus
          />
          <TextInput
            data-testid="new-user-display-name"
            label={t("users.form.displayName")}
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
            autoComplete="off"
            dir="auto"
          />
          <PasswordInput
            data-testid="new-user-password"
            label={t("users.form.password")}
            description={t("users.form.passwordHint")}
            value={password}
            onChange={(e) => {
              setPassword(e.currentTarget.value);
              form.clear("password");
            }}
            error={form.at("password")}
            errorProps={{ "data-testid": "new-user-password-error" }}
            autoComplete="new-password"
            dir="ltr"
            classNames={{ input: classes.ltrInput }}
            visibilityToggleButtonProps={{ "aria-label": t("auth.showPassword") }}
            withAsterisk
          />
          <PasswordPolicy password={password} username={username} />
          <RoleCheckboxes
            value={roles}
            onChange={(next) => {
              setRoles(next);
              form.clear("roles");
            }}
            error={form.at("roles")}
          />
          <GeneralError text={form.general} />
          <Actions onCancel={onClose} busy={create.isPending} submit={t("users.new.submit")} testId="new-user-submit" />
        </Stack>
      </form>
    </Dialog>
  );
}

export function RolesModal({ user, onClose, onDone }: { user: UserView | null; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const save = useSetRoles();
  const form = useFormError();
  const [roles, setRoles] = useState<Role[]>(user?.roles ?? []);
  return (
    <Dialog opened={user !== null} title={t("users.roles.title", { name: user?.displayName ?? "" })} onClose={onClose} busy={save.isPending}>
      {user && (
        <form
          noValidate
          data-testid="roles-form"
          onSubmit={(event) => {
            event.preventDefault();
            form.set(null);
            save.mutate(
              { id: user.id, roles },
              { onSuccess: (saved) => onDone(t("users.notice.roles", { name: saved.displayName })), onError: form.set },
            );
          }}
        >
          <Stack gap="md">
            <RoleCheckboxes
              value={roles}
              onChange={(next) => {
                setRoles(next);
                form.clear("roles");
              }}
              error={form.at("roles")}
            />
            <GeneralError text={form.general} />
            <Actions onCancel={onClose} busy={save.isPending} submit={t("users.roles.submit")} testId="roles-submit" />
          </Stack>
        </form>
      )}
    </Dialog>
  );
}

export function DisableModal({ user, onClose, onDone }: { user: UserView | null; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const toggle = useSetDisabled();
  const form = useFormError();
  const disabling = user ? !user.disabled : true;
  const verb = disabling ? "disable" : "enable";
  return (
    <Dialog opened={user !== null} title={t(`users.${verb}.title`)} onClose={onClose} busy={toggle.isPending}>
      {user && (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            form.set(null);
            toggle.mutate(
              { id: user.id, disabled: disabling },
              { onSuccess: (saved) => onDone(t(`users.notice.${verb}d`, { name: saved.displayName })), onError: form.set },
            );
          }}
        >
          <Stack gap="md">
            <Text size="sm">{t(`users.${verb}.body`, { name: user.displayName })}</Text>
            <Text size="sm" c="dimmed">
              <Ltr>{user.username}</Ltr>
            </Text>
            <GeneralError text={form.general} />
            <Actions
              onCancel={onClose}
              busy={toggle.isPending}
              submit={t(`users.${verb}.submit`)}
              testId="toggle-submit"
              color={disabling ? "red" : undefined}
            />
          </Stack>
        </form>
      )}
    </Dialog>
  );
}

export function ResetPasswordModal({ user, onClose, onDone }: { user: UserView | null; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const reset = useResetPassword();
  const form = useFormError();
  const [password, setPassword] = useState("");
  return (
    <Dialog opened={user !== null} title={t("users.reset.title", { name: user?.displayName ?? "" })} onClose={onClose} busy={reset.isPending}>
      {user && (
        <form
          noValidate
          data-testid="reset-form"
          onSubmit={(event) => {
            event.preventDefault();
            form.set(null);
            reset.mutate(
              { id: user.id, password },
              { onSuccess: (saved) => onDone(t("users.notice.reset", { name: saved.displayName })), onError: form.set },
            );
          }}
        >
          <Stack gap="md">
            <Text size="sm">{t("users.reset.body")}</Text>
            <PasswordInput
              data-testid="reset-password"
              label={t("users.reset.password")}
              value={password}
              onChange={(e) => {
                setPassword(e.currentTarget.value);
                form.clear("password");
              }}
              error={form.at("password")}
              errorProps={{ "data-testid": "reset-password-error" }}
              autoComplete="new-password"
              dir="ltr"
              classNames={{ input: classes.ltrInput }}
              visibilityToggleButtonProps={{ "aria-label": t("auth.showPassword") }}
              data-autofocus
              withAsterisk
            />
            <PasswordPolicy password={password} username={user.username} />
            <GeneralError text={form.general} />
            <Actions onCancel={onClose} busy={reset.isPending} submit={t("users.reset.submit")} testId="reset-submit" />
          </Stack>
        </form>
      )}
    </Dialog>
  );
}
