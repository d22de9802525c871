//! The Users screen's dialogs: a new user, a user's roles, disabling or enabling, a new password.
//! Each keeps what was typed when the backend refuses, and shows why at the field it is about.
import { Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { FormDialog } from "../../components/FormDialog";
import { Ltr } from "../../components/Ltr";
import type { Role, UserView } from "../../ipc";
import { useFormError } from "../../lib/errors";
import { NameField, NewPasswordField, NewUsernameField } from "../auth/fields";
import { useCreateUser, useResetPassword, useSetDisabled, useSetRoles } from "./queries";
import { RoleCheckboxes } from "./RoleCheckboxes";

type Done = (notice: string) => void;

/** Where each dialog says a refusal that names no field. */
const FORM_ERROR = "user-form-error";

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
    <FormDialog
      opened={opened}
      title={t("users.new.title")}
      onClose={onClose}
      busy={create.isPending}
      formTestId="new-user-form"
      error={form.general}
      errorTestId={FORM_ERROR}
      submit={t("users.new.submit")}
      submitTestId="new-user-submit"
      onSubmit={() => {
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
      <NewUsernameField
        testId="new-user-username"
        label={t("users.form.username")}
        value={username}
        onChange={(value) => {
          setUsername(value);
          form.clear("username");
        }}
        error={form.at("username")}
        autoComplete="off"
        data-autofocus
      />
      <NameField
        testId="new-user-display-name"
        label={t("users.form.displayName")}
        value={displayName}
        onChange={setDisplayName}
        autoComplete="off"
      />
      <NewPasswordField
        testId="new-user-password"
        label={t("users.form.password")}
        description={t("users.form.passwordHint")}
        value={password}
        onChange={(value) => {
          setPassword(value);
          form.clear("password");
        }}
        error={form.at("password")}
        username={username}
      />
      <RoleCheckboxes
        value={roles}
        onChange={(next) => {
          setRoles(next);
          form.clear("roles");
        }}
        error={form.at("roles")}
      />
    </FormDialog>
  );
}

export function RolesModal({ user, onClose, onDone }: { user: UserView; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const save = useSetRoles();
  const form = useFormError();
  const [roles, setRoles] = useState<Role[]>(user.roles);
  return (
    <FormDialog
      opened
      title={t("users.roles.title", { name: user.displayName })}
      onClose={onClose}
      busy={save.isPending}
      formTestId="roles-form"
      error={form.general}
      errorTestId={FORM_ERROR}
      submit={t("users.roles.submit")}
      submitTestId="roles-submit"
      onSubmit={() => {
        form.set(null);
        save.mutate(
          { id: user.id, roles },
          { onSuccess: (saved) => onDone(t("users.notice.roles", { name: saved.displayName })), onError: form.set },
        );
      }}
    >
      <RoleCheckboxes
        value={roles}
        onChange={(next) => {
          setRoles(next);
          form.clear("roles");
        }}
        error={form.at("roles")}
      />
    </FormDialog>
  );
}

export function DisableModal({ user, onClose, onDone }: { user: UserView; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const toggle = useSetDisabled();
  const form = useFormError();
  const disabling = !user.disabled;
  const verb = disabling ? "disable" : "enable";
  return (
    <FormDialog
      opened
      title={t(`users.${verb}.title`)}
      onClose={onClose}
      busy={toggle.isPending}
      error={form.general}
      errorTestId={FORM_ERROR}
      submit={t(`users.${verb}.submit`)}
      submitTestId="toggle-submit"
      submitColor={disabling ? "red" : undefined}
      onSubmit={() => {
        form.set(null);
        toggle.mutate(
          { id: user.id, disabled: disabling },
          { onSuccess: (saved) => onDone(t(`users.notice.${verb}d`, { name: saved.displayName })), onError: form.set },
        );
      }}
    >
      <Text size="sm">{t(`users.${verb}.body`, { name: user.displayName })}</Text>
      <Text size="sm" c="dimmed">
        <Ltr>{user.username}</Ltr>
      </Text>
    </FormDialog>
  );
}

export function ResetPasswordModal({ user, onClose, onDone }: { user: UserView; onClose: () => void; onDone: Done }) {
  const { t } = useTranslation();
  const reset = useResetPassword();
  const form = useFormError();
  const [password, setPassword] = useState("");
  return (
    <FormDialog
      opened
      title={t("users.reset.title", { name: user.displayName })}
      onClose={onClose}
      busy={reset.isPending}
      formTestId="reset-form"
      error={form.general}
      errorTestId={FORM_ERROR}
      submit={t("users.reset.submit")}
      submitTestId="reset-submit"
      onSubmit={() => {
        form.set(null);
        reset.mutate(
          { id: user.id, password },
          { onSuccess: (saved) => onDone(t("users.notice.reset", { name: saved.displayName })), onError: form.set },
        );
      }}
    >
      <Text size="sm">{t("users.reset.body")}</Text>
      <NewPasswordField
        testId="reset-password"
        label={t("users.reset.password")}
        value={password}
        onChange={(value) => {
          setPassword(value);
          form.clear("password");
        }}
        error={form.at("password")}
        data-autofocus
        username={user.username}
      />
    </FormDialog>
  );
}
