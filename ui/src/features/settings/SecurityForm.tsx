import { Alert, Button, Group, NumberInput, SimpleGrid, Stack } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Notice } from "../../components/Notice";
import { ipc, queryKeys, toErrorPayload, type ErrorPayload, type SecuritySettings } from "../../ipc";
import { paramField, useErrorText } from "../../lib/errors";
import { useSession } from "../auth/session";
import { wholeNumber } from "./numbers";
import { SavedSettings } from "./SavedSettings";
import classes from "./SettingsPage.module.css";

/** The idle lock, the lockout after wrong passwords, how long a sign-in lasts. */
export function SecuritySettingsCard() {
  const settings = useQuery({ queryKey: queryKeys.securitySettings, queryFn: ipc.securitySettings });
  return (
    <SavedSettings query={settings} errorTestId="security-load-error" height="12rem">
      {(saved) => <SecurityForm saved={saved} />}
    </SavedSettings>
  );
}

type Field = keyof SecuritySettings;

/** The backend names the first field of the pair it refuses; both of the pair are marked. */
const PAIRS: Record<string, [Field, Field]> = {
  idle_lock_minutes: ["idleLockMinutes", "sessionHours"],
  max_failed_logins: ["maxFailedLogins", "lockoutMinutes"],
};

function SecurityForm({ saved }: { saved: SecuritySettings }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const { can } = useSession();
  const editable = can("settings.manage");
  const [values, setValues] = useState<Record<Field, number | string>>(saved);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [notice, setNotice] = useState(false);

  const save = useMutation({
    mutationFn: ipc.saveSecuritySettings,
    onSuccess: (next) => {
      client.setQueryData(queryKeys.securitySettings, next);
      // The session's idle minutes come with the sign-in state.
      void client.invalidateQueries({ queryKey: queryKeys.authState });
      setValues(next);
      setNotice(true);
    },
    // What was typed stays; the error goes to its fields.
    onError: (e) => setError(toErrorPayload(e)),
  });

  const pair = PAIRS[paramField(error) ?? ""] ?? null;
  const fieldError = (name: Field) => {
    if (!error || !pair?.includes(name)) return undefined;
    return pair[0] === name ? errorText(error) : true;
  };
  const edit = (name: Field) => (value: number | string) => {
    setValues((v) => ({ ...v, [name]: value }));
    setNotice(false);
    if (pair?.includes(name)) setError(null);
  };
  const input = (name: Field, testId: string, min: number, max: number) => ({
    "data-testid": testId,
    label: t(`settings.security.${name}`),
    description: t(`settings.security.${name}Hint`),
    value: values[name],
    onChange: edit(name),
    min,
    max,
    error: fieldError(name),
    errorProps: { "data-testid": `${testId}-error` },
    allowNegative: false,
    allowDecimal: false,
    clampBehavior: "none" as const,
    readOnly: !editable,
    dir: "ltr",
    classNames: { input: classes.ltrInput },
  });

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!editable) return;
        setError(null);
        setNotice(false);
        save.mutate({
          idleLockMinutes: wholeNumber(values.idleLockMinutes),
          maxFailedLogins: wholeNumber(values.maxFailedLogins),
          lockoutMinutes: wholeNumber(values.lockoutMinutes),
          sessionHours: wholeNumber(values.sessionHours),
        });
      }}
    >
      <Stack gap="md">
        {notice && (
          <Notice testId="security-notice" onClose={() => setNotice(false)}>
            {t("settings.security.saved")}
          </Notice>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <NumberInput {...input("idleLockMinutes", "security-idle", 1, 240)} />
          <NumberInput {...input("sessionHours", "security-session", 1, 24)} />
          <NumberInput {...input("maxFailedLogins", "security-max-failed", 3, 20)} />
          <NumberInput {...input("lockoutMinutes", "security-lockout", 1, 1440)} />
        </SimpleGrid>
        {error && !pair && (
          <Alert color="red" variant="light" radius="md" title={t("settings.security.errorTitle")} data-testid="security-error">
            {errorText(error)}
          </Alert>
        )}
        {editable && (
          <Group justify="flex-end">
            <Button type="submit" data-testid="security-save" loading={save.isPending}>
              {t("settings.security.save")}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
