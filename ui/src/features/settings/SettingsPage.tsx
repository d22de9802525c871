import { Alert, Badge, DataList, Grid, Paper, SegmentedControl, Skeleton, Stack, Tabs, Text, Title } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { LANGUAGES } from "../../i18n";
import type { AppStatus, Language } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { useAppStatus } from "../shell/useAppStatus";
import { useSession } from "../auth/session";
import { useLanguage } from "../shell/useLanguage";
import { OutboxSettingsCard } from "./OutboxForm";
import { ProvidersSettings } from "./ProvidersSettings";
import { SecuritySettingsCard } from "./SecurityForm";
import classes from "./SettingsPage.module.css";

type Tab = "general" | "providers";

export function SettingsPage() {
  const { t } = useTranslation();
  const status = useAppStatus();
  const errorText = useErrorText();
  const [tab, setTab] = useState<Tab>("general");
  const { can } = useSession();

  return (
    <Stack gap={0}>
      <PageHeader title={t("settings.title")} />
      {status.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")}>
          {errorText(status.error)}
        </Alert>
      )}
      <Tabs value={tab} onChange={(value) => setTab((value as Tab | null) ?? "general")} keepMounted={false}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="general" data-testid="settings-tab-general">
            {t("settings.tabs.general")}
          </Tabs.Tab>
          {can("provider.view") && (
            <Tabs.Tab value="providers" data-testid="settings-tab-providers">
              {t("settings.tabs.providers")}
            </Tabs.Tab>
          )}
        </Tabs.List>
        <Tabs.Panel value="general">
          <Grid gap="lg">
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Stack gap="lg">
                <Section title={t("settings.outbox.title")} description={t("settings.outbox.description")}>
                  <OutboxSettingsCard />
                </Section>
                <Section title={t("settings.security.title")} description={t("settings.security.description")}>
                  <SecuritySettingsCard />
                </Section>
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Stack gap="lg">
                <LanguageSection />
                <Section title={t("settings.system.title")}>
                  {status.data ? <SystemFacts status={status.data} /> : <Skeleton h="8rem" />}
                </Section>
              </Stack>
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        {can("provider.view") && (
          <Tabs.Panel value="providers">
            <ProvidersSettings />
          </Tabs.Panel>
        )}
      </Tabs>
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

function SystemFacts({ status }: { status: AppStatus }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
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
      {status.sandboxUrl && (
        <DataList.Item>
          <DataList.ItemLabel>{t("settings.system.endpoint")}</DataList.ItemLabel>
          <DataList.ItemValue>
            <Text size="sm" ff="monospace" className={classes.url}>
              <Ltr>{status.sandboxUrl}</Ltr>
            </Text>
          </DataList.ItemValue>
        </DataList.Item>
      )}
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
