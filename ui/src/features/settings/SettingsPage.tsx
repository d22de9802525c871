import {
  Alert,
  Badge,
  Button,
  DataList,
  Grid,
  Group,
  Paper,
  PasswordInput,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { LANGUAGES } from "../../i18n";
import { ipc, queryKeys, toErrorPayload, type AppStatus, type ErrorPayload, type Language } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { useAppStatus } from "../shell/useAppStatus";
import { OutboxSettingsCard } from "./OutboxForm";
import { useLanguage } from "../shell/useLanguage";
import classes from "./SettingsPage.module.css";

type Notice = "saved" | "cleared" | null;

export function SettingsPage() {
  const { t } = useTranslation();
  const status = useAppStatus();
  const errorText = useErrorText();
  const [notice, setNotice] = useState<Notice>(null);

  return (
    <Stack gap={0}>
      <PageHeader title={t("settings.title")} />
      {status.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")}>
          {errorText(status.error)}
        </Alert>
      )}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="lg">
            <Section title={t("settings.twilio.title")} description={t("settings.twilio.description")}>
              {status.data ? (
                <TwilioForm
                  // A new status (saved or cleared) starts a fresh form; an error keeps what was typed.
                  key={`${status.data.twilio.configured}|${status.data.twilio.accountSid ?? ""}|${status.data.twilio.fromNumber ?? ""}`}
                  status={status.data}
                  notice={notice}
                  onNotice={setNotice}
                />
              ) : (
                <Skeleton h="12rem" />
              )}
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="lg">
            <Section title={t("settings.outbox.title")} description={t("settings.outbox.description")}>
              <OutboxSettingsCard />
            </Section>
            <LanguageSection />
            <Section title={t("settings.system.title")}>
              {status.data ? <SystemFacts status={status.data} /> : <Skeleton h="8rem" />}
            </Section>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Paper withBorder shadow="xs" p="lg">
      <Title order={3} fz="md" mb={description ? 4 : "md"}>
        {title}
      </Title>
      {description && (
        <Text size="sm" c="dimmed" mb="md">
          {description}
        </Text>
      )}
      {children}
    </Paper>
  );
}

function LanguageSection() {
  const { t } = useTranslation();
  const { language, change } = useLanguage();
  return (
    <Section title={t("settings.language.title")} description={t("settings.language.description")}>
      <SegmentedControl
        fullWidth
        data-testid="settings-language"
        value={language}
        onChange={(value) => void change(value as Language)}
        data={LANGUAGES.map((lng) => ({
          value: lng,
          label: (
            <span lang={lng} dir={lng === "ar" ? "rtl" : "ltr"}>
              {t(`language.names.${lng}`)}
            </span>
          ),
        }))}
      />
    </Section>
  );
}

type Field = "sid" | "token" | "from";

function fieldOf(error: ErrorPayload | null): Field | null {
  switch (error?.code) {
    case "credentials.account_sid_invalid":
      return "sid";
    case "credentials.token_required":
      return "token";
    case "credentials.from_invalid":
      return "from";
    default:
      return null;
  }
}

function TwilioForm({ status, notice, onNotice }: { status: AppStatus; notice: Notice; onNotice: (n: Notice) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const { twilio } = status;
  const [accountSid, setAccountSid] = useState(twilio.accountSid ?? "");
  const [authToken, setAuthToken] = useState("");
  const [fromNumber, setFromNumber] = useState(twilio.fromNumber ?? "");
  const [error, setError] = useState<ErrorPayload | null>(null);

  const onStatus = (next: AppStatus) => client.setQueryData(queryKeys.appStatus, next);
  const save = useMutation({
    mutationFn: ipc.saveTwilioCredentials,
    onSuccess: (next) => {
      onNotice("saved");
      onStatus(next);
    },
    onError: (e) => setError(toErrorPayload(e)),
  });
  const clear = useMutation({
    mutationFn: ipc.clearTwilioCredentials,
    onSuccess: (next) => {
      onNotice("cleared");
      onStatus(next);
    },
    onError: (e) => setError(toErrorPayload(e)),
  });

  const field = fieldOf(error);
  const fieldError = (name: Field) => (field === name && error ? errorText(error) : undefined);
  const edit = (name: Field, set: (v: string) => void) => (value: string) => {
    set(value);
    onNotice(null);
    if (field === name) setError(null);
  };

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        onNotice(null);
        save.mutate({ accountSid: accountSid.trim(), authToken, fromNumber: fromNumber.trim() });
      }}
    >
      <Stack gap="md">
        <Group gap="sm">
          <Badge color={twilio.configured ? "teal" : "gray"} variant="light" data-testid="settings-twilio-state">
            {twilio.configured ? t("settings.twilio.configured") : t("settings.twilio.notConfigured")}
          </Badge>
          {twilio.configured && twilio.accountSid && (
            <Text size="sm" c="dimmed" ff="monospace">
              <Ltr>{twilio.accountSid}</Ltr>
            </Text>
          )}
        </Group>

        {notice && (
          <Alert color="teal" variant="light" radius="md" data-testid="settings-twilio-notice">
            {t(notice === "saved" ? "settings.twilio.saved" : "settings.twilio.cleared")}
          </Alert>
        )}

        <TextInput
          data-testid="settings-twilio-sid"
          label={t("settings.twilio.sid")}
          placeholder="AC…"
          value={accountSid}
          onChange={(e) => edit("sid", setAccountSid)(e.currentTarget.value)}
          error={fieldError("sid")}
          dir="ltr"
          autoComplete="off"
          spellCheck={false}
          classNames={{ input: classes.ltrInput }}
        />
        <PasswordInput
          data-testid="settings-twilio-token"
          label={t("settings.twilio.token")}
          placeholder={twilio.configured ? t("settings.twilio.tokenSaved") : undefined}
          value={authToken}
          onChange={(e) => edit("token", setAuthToken)(e.currentTarget.value)}
          error={fieldError("token")}
          autoComplete="new-password"
        />
        <TextInput
          data-testid="settings-twilio-from"
          label={t("settings.twilio.from")}
          description={t("settings.twilio.fromDescription")}
          placeholder="+9665XXXXXXXX"
          value={fromNumber}
          onChange={(e) => edit("from", setFromNumber)(e.currentTarget.value)}
          error={fieldError("from")}
          dir="ltr"
          autoComplete="off"
          classNames={{ input: classes.ltrInput }}
        />

        {error && !field && (
          <Alert color="red" variant="light" radius="md" title={t("settings.twilio.errorTitle")} data-testid="settings-twilio-error">
            {errorText(error)}
          </Alert>
        )}

        <Group justify="space-between" wrap="wrap" gap="sm">
          {twilio.configured ? (
            <Button
              variant="subtle"
              color="red"
              data-testid="settings-twilio-clear"
              disabled={save.isPending}
              loading={clear.isPending}
              onClick={() => {
                setError(null);
                clear.mutate();
              }}
            >
              {t("settings.twilio.clear")}
            </Button>
          ) : (
            <span />
          )}
          <Button type="submit" data-testid="settings-twilio-save" loading={save.isPending} disabled={clear.isPending}>
            {t("settings.twilio.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function SystemFacts({ status }: { status: AppStatus }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const endpoint = status.sandbox ? (status.sandboxUrl ?? status.twilio.baseUrl) : status.twilio.baseUrl;
  return (
    <DataList
      size="sm"
      orientation="horizontal"
      labelWidth="8.5rem"
      gap="sm"
      styles={{ itemValue: { minWidth: 0, overflowWrap: "anywhere" } }}
    >
      <DataList.Item>
        <DataList.ItemLabel>{t("settings.system.mode")}</DataList.ItemLabel>
        <DataList.ItemValue>
          <Badge color={status.sandbox ? "yellow" : "teal"} variant="light" data-testid="settings-mode">
            {status.sandbox ? t("settings.system.sandbox") : t("settings.system.live")}
          </Badge>
        </DataList.ItemValue>
      </DataList.Item>
      <DataList.Item>
        <DataList.ItemLabel>{t("settings.system.endpoint")}</DataList.ItemLabel>
        <DataList.ItemValue>
          <Text size="sm" ff="monospace" className={classes.url}>
            <Ltr>{endpoint}</Ltr>
          </Text>
        </DataList.ItemValue>
      </DataList.Item>
      <DataList.Item>
        <DataList.ItemLabel>{t("settings.system.keychain")}</DataList.ItemLabel>
        <DataList.ItemValue>
          <Stack gap={4}>
            <Badge
              color={status.keychain === "available" ? "teal" : "orange"}
              variant="light"
              data-testid="settings-keychain"
            >
              {status.keychain === "available"
                ? t("settings.system.keychainAvailable")
                : t("settings.system.keychainUnavailable")}
            </Badge>
            {status.keychainError && (
              <Text size="xs" c="dimmed">
                {errorText(status.keychainError)}
              </Text>
            )}
          </Stack>
        </DataList.ItemValue>
      </DataList.Item>
      <DataList.Item>
        <DataList.ItemLabel>{t("settings.system.database")}</DataList.ItemLabel>
        <DataList.ItemValue data-testid="settings-backend">{t(`settings.system.${status.backend}`)}</DataList.ItemValue>
      </DataList.Item>
    </DataList>
  );
}
