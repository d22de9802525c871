import { Alert, Button, Group, Input, NumberInput, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Notice } from "../../components/Notice";
import { ipc, queryKeys, toErrorPayload, type ErrorPayload, type OutboxSettings } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { quietHoursOf, splitQuietHours } from "../../lib/zonedTime";
import { useSession } from "../auth/session";
import { wholeNumber } from "./numbers";
import { SavedSettings } from "./SavedSettings";
import classes from "./SettingsPage.module.css";

/** Retries and quiet hours: loads the saved rules, then a form that starts from them. */
export function OutboxSettingsCard() {
  const settings = useQuery({ queryKey: queryKeys.outboxSettings, queryFn: ipc.outboxSettings });
  return (
    <SavedSettings query={settings} errorTestId="outbox-load-error" height="16rem">
      {(saved) => <OutboxForm saved={saved} />}
    </SavedSettings>
  );
}

type Field = "maxAttempts" | "backoff" | "quietHours";

function fieldOf(error: ErrorPayload | null): Field | null {
  switch (error?.code) {
    case "outbox.max_attempts_invalid":
      return "maxAttempts";
    case "outbox.backoff_invalid":
      return "backoff";
    case "outbox.quiet_hours_invalid":
      return "quietHours";
    default:
      return null;
  }
}

const MAX_DIGITS = 999_999;

function OutboxForm({ saved }: { saved: OutboxSettings }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  // An auditor reads the rules; only settings.manage changes them (the core checks too).
  const editable = useSession().can("settings.manage");
  const [savedQuietFrom, savedQuietTo] = splitQuietHours(saved.quietHours);
  const [maxAttempts, setMaxAttempts] = useState<number | string>(saved.maxAttempts);
  const [baseSecs, setBaseSecs] = useState<number | string>(saved.backoffBaseSecs);
  const [maxSecs, setMaxSecs] = useState<number | string>(saved.backoffMaxSecs);
  const [quietFrom, setQuietFrom] = useState(savedQuietFrom);
  const [quietTo, setQuietTo] = useState(savedQuietTo);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [notice, setNotice] = useState(false);

  const save = useMutation({
    mutationFn: ipc.saveOutboxSettings,
    onSuccess: (next) => {
      client.setQueryData(queryKeys.outboxSettings, next);
      // Show what the backend kept (it tidies `22:00 - 07:00` into `22:00-07:00`).
      const [from, to] = splitQuietHours(next.quietHours);
      setMaxAttempts(next.maxAttempts);
      setBaseSecs(next.backoffBaseSecs);
      setMaxSecs(next.backoffMaxSecs);
      setQuietFrom(from);
      setQuietTo(to);
      setNotice(true);
    },
    // What was typed stays; the error goes to its field.
    onError: (e) => setError(toErrorPayload(e)),
  });

  const field = fieldOf(error);
  const fieldError = (name: Field) => (field === name && error ? errorText(error) : undefined);
  const edit =
    <T,>(name: Field, set: (v: T) => void) =>
    (value: T) => {
      set(value);
      setNotice(false);
      if (field === name) setError(null);
    };

  const numberProps = {
    allowNegative: false,
    allowDecimal: false,
    clampBehavior: "none" as const,
    isAllowed: ({ floatValue }: { floatValue: number | undefined }) => floatValue === undefined || floatValue <= MAX_DIGITS,
    dir: "ltr",
    classNames: { input: classes.ltrInput },
    readOnly: !editable,
  };

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!editable) return;
        setError(null);
        setNotice(false);
        save.mutate({
          maxAttempts: wholeNumber(maxAttempts),
          backoffBaseSecs: wholeNumber(baseSecs),
          backoffMaxSecs: wholeNumber(maxSecs),
          quietHours: quietHoursOf(quietFrom, quietTo),
        });
      }}
    >
      <Stack gap="md">
        {notice && (
          <Notice testId="outbox-notice" onClose={() => setNotice(false)}>
            {t("settings.outbox.saved")}
          </Notice>
        )}

        <NumberInput
          {...numberProps}
          data-testid="outbox-max-attempts"
          label={t("settings.outbox.maxAttempts")}
          description={t("settings.outbox.maxAttemptsHint")}
          value={maxAttempts}
          onChange={edit("maxAttempts", setMaxAttempts)}
          min={1}
          max={20}
          error={fieldError("maxAttempts")}
          errorProps={{ "data-testid": "outbox-max-attempts-error" }}
          styles={{ wrapper: { maxInlineSize: "10rem" } }}
        />

        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <NumberInput
            {...numberProps}
            data-testid="outbox-backoff-base"
            label={t("settings.outbox.backoffBase")}
            description={t("settings.outbox.backoffBaseHint")}
            value={baseSecs}
            onChange={edit("backoff", setBaseSecs)}
            min={1}
            error={fieldError("backoff")}
            errorProps={{ "data-testid": "outbox-backoff-error" }}
          />
          <NumberInput
            {...numberProps}
            data-testid="outbox-backoff-max"
            label={t("settings.outbox.backoffMax")}
            description={t("settings.outbox.backoffMaxHint")}
            value={maxSecs}
            onChange={edit("backoff", setMaxSecs)}
            min={1}
            // The message sits under the first wait; both fields are marked.
            error={field === "backoff"}
          />
        </SimpleGrid>

        <Input.Wrapper
          label={t("settings.outbox.quietHours")}
          description={t("settings.outbox.quietHoursHint")}
          error={fieldError("quietHours")}
          errorProps={{ "data-testid": "outbox-quiet-error" }}
          inputWrapperOrder={["label", "description", "input", "error"]}
        >
          <Stack gap={6} mt={6}>
            <Group gap="sm" align="flex-end" wrap="wrap">
              <TextInput
                type="time"
                data-testid="outbox-quiet-from"
                label={t("settings.outbox.quietFrom")}
                size="sm"
                value={quietFrom}
                onChange={(e) => edit("quietHours", setQuietFrom)(e.currentTarget.value)}
                error={field === "quietHours"}
                dir="ltr"
                classNames={{ input: classes.ltrInput, label: classes.subLabel }}
                w="8.5rem"
                readOnly={!editable}
              />
              <TextInput
                type="time"
                data-testid="outbox-quiet-to"
                label={t("settings.outbox.quietTo")}
                size="sm"
                value={quietTo}
                onChange={(e) => edit("quietHours", setQuietTo)(e.currentTarget.value)}
                error={field === "quietHours"}
                dir="ltr"
                classNames={{ input: classes.ltrInput, label: classes.subLabel }}
                w="8.5rem"
                readOnly={!editable}
              />
              {editable && (quietFrom || quietTo) && (
                <Button
                  variant="subtle"
                  color="gray"
                  size="compact-sm"
                  mb={6}
                  data-testid="outbox-quiet-clear"
                  onClick={() => {
                    edit("quietHours", setQuietFrom)("");
                    setQuietTo("");
                  }}
                >
                  {t("settings.outbox.quietOff")}
                </Button>
              )}
            </Group>
            <Text size="xs" c="dimmed" data-testid="outbox-quiet-state">
              {quietFrom && quietTo
                ? t("settings.outbox.quietOn", { from: quietFrom, to: quietTo })
                : !quietFrom && !quietTo
                  ? t("settings.outbox.quietNone")
                  : null}
            </Text>
          </Stack>
        </Input.Wrapper>

        {error && !field && (
          <Alert color="red" variant="light" radius="md" title={t("settings.outbox.errorTitle")} data-testid="outbox-error">
            {errorText(error)}
          </Alert>
        )}

        {editable && (
          <Group justify="flex-end">
            <Button type="submit" data-testid="outbox-save" loading={save.isPending}>
              {t("settings.outbox.save")}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
