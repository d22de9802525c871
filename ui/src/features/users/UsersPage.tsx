import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, VisuallyHidden } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Loading } from "../../components/Loading";
import { Ltr } from "../../components/Ltr";
import { Notice } from "../../components/Notice";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import type { UserView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useSession } from "../auth/session";
import { useUsers } from "./queries";
import { DisableModal, NewUserModal, ResetPasswordModal, RolesModal } from "./UserModals";
import classes from "./UsersPage.module.css";

type Dialog = { kind: "new" } | { kind: "roles" | "toggle" | "reset"; user: UserView } | null;

/** Who may use the console: their roles, whether they can sign in, and the admin's actions on each. */
export function UsersPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const users = useUsers();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const close = () => setDialog(null);
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
  };

  return (
    <Stack gap={0}>
      <PageHeader
        title={t("users.title")}
        subtitle={t("users.subtitle")}
        actions={
          <Button
            data-testid="users-new"
            onClick={() => {
              setNotice(null);
              setDialog({ kind: "new" });
            }}
          >
            {t("users.new.open")}
          </Button>
        }
      />
      {notice && (
        <Notice testId="users-notice" mb="lg" onClose={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      {users.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")} data-testid="users-load-error">
          {errorText(users.error)}
        </Alert>
      )}
      <Paper withBorder shadow="xs" className={classes.table}>
        {users.isPending ? (
          <Loading />
        ) : (
          <UsersTable users={users.data ?? []} onAct={(kind, user) => {
            setNotice(null);
            setDialog({ kind, user });
          }} />
        )}
      </Paper>

      {/* One dialog at a time, fresh for each user (a key per user resets what it holds). */}
      <NewUserModal opened={dialog?.kind === "new"} onClose={close} onDone={done} />
      {dialog?.kind === "roles" && <RolesModal key={dialog.user.id} user={dialog.user} onClose={close} onDone={done} />}
      {dialog?.kind === "toggle" && <DisableModal key={dialog.user.id} user={dialog.user} onClose={close} onDone={done} />}
      {dialog?.kind === "reset" && <ResetPasswordModal key={dialog.user.id} user={dialog.user} onClose={close} onDone={done} />}
    </Stack>
  );
}

function UsersTable({ users, onAct }: { users: UserView[]; onAct: (kind: "roles" | "toggle" | "reset", user: UserView) => void }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const { session } = useSession();
  return (
    <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="users-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("users.columns.username")}</Table.Th>
          <Table.Th>{t("users.columns.displayName")}</Table.Th>
          <Table.Th>{t("users.columns.roles")}</Table.Th>
          <Table.Th>{t("users.columns.state")}</Table.Th>
          <Table.Th>{t("users.columns.lastLogin")}</Table.Th>
          <Table.Th>
            <VisuallyHidden>{t("users.columns.actions")}</VisuallyHidden>
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {users.map((user) => (
          <Table.Tr key={user.id} data-testid="user-row" data-username={user.username}>
            <Table.Td className={classes.username}>
              <Ltr>{user.username}</Ltr>
            </Table.Td>
            <Table.Td>{user.displayName}</Table.Td>
            <Table.Td>
              <Group gap={4}>
                {user.roles.map((role) => (
                  <Badge key={role} variant="light" color={role === "admin" ? "grape" : role === "auditor" ? "blue" : "gray"} data-testid="user-role">
                    {t(`roles.${role}`)}
                  </Badge>
                ))}
              </Group>
            </Table.Td>
            <Table.Td>
              <UserState user={user} />
            </Table.Td>
            <Table.Td className={classes.when}>
              {user.lastLoginAt ? formatDateTime(user.lastLoginAt, language) : <Text span size="sm" c="dimmed">{t("users.never")}</Text>}
            </Table.Td>
            <Table.Td>
              <Group gap={4} wrap="nowrap" justify="flex-end">
                <Button size="compact-xs" variant="subtle" onClick={() => onAct("roles", user)} data-testid="user-edit-roles">
                  {t("users.actions.roles")}
                </Button>
                <Button size="compact-xs" variant="subtle" onClick={() => onAct("reset", user)} data-testid="user-reset-password">
                  {t("users.actions.reset")}
                </Button>
                {/* Nobody disables themselves (the backend refuses it too). */}
                {user.id !== session.user.id && (
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color={user.disabled ? "teal" : "red"}
                    onClick={() => onAct("toggle", user)}
                    data-testid="user-toggle"
                  >
                    {user.disabled ? t("users.actions.enable") : t("users.actions.disable")}
                  </Button>
                )}
              </Group>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function UserState({ user }: { user: UserView }) {
  const { t } = useTranslation();
  if (user.disabled) {
    return (
      <Badge color="gray" variant="outline" data-testid="user-state" data-state="disabled">
        {t("users.state.disabled")}
      </Badge>
    );
  }
  // The backend sends `lockedUntil` only while the lockout lasts.
  if (user.lockedUntil) {
    return (
      <Badge color="orange" variant="light" data-testid="user-state" data-state="locked">
        {t("users.state.lockedUntil", { time: formatDateTime(user.lockedUntil, currentLanguage()) })}
      </Badge>
    );
  }
  return (
    <Badge color="teal" variant="light" data-testid="user-state" data-state="active">
      {t("users.state.active")}
    </Badge>
  );
}
