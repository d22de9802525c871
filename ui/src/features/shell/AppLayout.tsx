import { Alert, AppShell, Badge, Box, Button, Container, Group, Text, UnstyledButton } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { subscribeToMessageChanges } from "../../ipc";
import { applyLanguage, currentLanguage } from "../../i18n";
import { useErrorText } from "../../lib/errors";
import { formatNumber } from "../../lib/format";
import { navigate, usePage, PAGES, type Page } from "../../lib/route";
import { AttentionPage } from "../attention/AttentionPage";
import { ComposePage } from "../compose/ComposePage";
import { InboxPage } from "../inbox/InboxPage";
import { MessagesPage } from "../messages/MessagesPage";
import { useNeedsAttention } from "../messages/queries";
import { SettingsPage } from "../settings/SettingsPage";
import { useAppStatus } from "./useAppStatus";
import { useLanguage } from "./useLanguage";
import classes from "./AppLayout.module.css";

export function AppLayout() {
  const page = usePage();
  const client = useQueryClient();
  const status = useAppStatus();

  useEffect(() => subscribeToMessageChanges(client), [client]);

  // The backend remembers the language across runs; the cached one only made the first paint right.
  const adopted = useRef(false);
  useEffect(() => {
    if (adopted.current || !status.data) return;
    adopted.current = true;
    if (status.data.language !== currentLanguage()) void applyLanguage(status.data.language);
  }, [status.data]);

  return (
    <AppShell header={{ height: "4rem" }} padding="lg" className={classes.shell}>
      <AppShell.Header className={classes.header}>
        <Header page={page} />
      </AppShell.Header>
      <AppShell.Main className={classes.main}>
        <Container size="xl" px={0}>
          <Banners />
          {page === "compose" && <ComposePage />}
          {page === "messages" && <MessagesPage />}
          {page === "attention" && <AttentionPage />}
          {page === "inbox" && <InboxPage />}
          {page === "settings" && <SettingsPage />}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

function Header({ page }: { page: Page }) {
  const { t } = useTranslation();
  const attention = useNeedsAttention();
  const waiting = attention.data?.length ?? 0;
  return (
    <Group h="100%" px="lg" justify="space-between" wrap="nowrap" data-testid="app-shell">
      <Group gap="xl" wrap="nowrap">
        <Box className={classes.brand}>
          <span className={classes.brandMark} aria-hidden="true">
            {t("app.name").slice(0, 1)}
          </span>
          <span className={classes.brandText}>
            <span className={classes.brandName}>{t("app.name")}</span>
            <span className={classes.brandAlt}>{t("app.nameAlt")}</span>
          </span>
        </Box>
        <nav aria-label={t("nav.label")} className={classes.nav}>
          {PAGES.map((name) => (
            <UnstyledButton
              key={name}
              className={classes.navLink}
              data-active={page === name || undefined}
              aria-current={page === name ? "page" : undefined}
              data-testid={`nav-${name}`}
              onClick={() => navigate(name)}
            >
              {t(`nav.${name}`)}
              {name === "attention" && waiting > 0 && (
                <Badge
                  component="span"
                  color="red"
                  variant="filled"
                  size="sm"
                  circle={waiting < 10}
                  className={classes.navBadge}
                  data-testid="attention-count"
                  aria-label={t("attention.countLabel", { count: waiting })}
                >
                  {formatNumber(waiting, currentLanguage())}
                </Badge>
              )}
            </UnstyledButton>
          ))}
        </nav>
      </Group>
      <LanguageToggle />
    </Group>
  );
}

function LanguageToggle() {
  const { t } = useTranslation();
  const { language, toggle } = useLanguage();
  return (
    <Button
      variant="default"
      radius="xl"
      data-testid="lang-toggle"
      aria-label={t("language.toggleLabel")}
      onClick={() => void toggle()}
      className={classes.langToggle}
      lang={language === "ar" ? "en" : "ar"}
    >
      {t("language.toggle")}
    </Button>
  );
}

function Banners() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { data } = useAppStatus();
  if (!data) return null;
  return (
    <>
      {data.sandbox && (
        <Alert
          data-testid="sandbox-banner"
          color="yellow"
          variant="light"
          radius="md"
          mb="lg"
          title={t("banner.sandboxTitle")}
          icon={<SandboxIcon />}
          className={classes.banner}
        >
          <Text size="sm">{t("banner.sandboxBody")}</Text>
        </Alert>
      )}
      {data.keychain === "unavailable" && (
        <Alert
          data-testid="keychain-banner"
          color="orange"
          variant="light"
          radius="md"
          mb="lg"
          title={t("banner.keychainTitle")}
          icon={<KeyIcon />}
          className={classes.banner}
        >
          <Text size="sm">
            {data.keychainError ? errorText(data.keychainError) : t("errors.keychain.unavailable")}{" "}
            {t("banner.keychainBody")}
          </Text>
        </Alert>
      )}
    </>
  );
}

function SandboxIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
      <path d="M9 3h6M10 3v6L4.5 18.5A1.7 1.7 0 0 0 6 21h12a1.7 1.7 0 0 0 1.5-2.5L14 9V3" strokeLinejoin="round" />
      <path d="M7 15h10" />
    </svg>
  );
}

function KeyIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
      <circle cx="8" cy="15" r="4" />
      <path d="m11 12 9-9M17 6l3 3M15 8l2 2" strokeLinecap="round" />
    </svg>
  );
}
