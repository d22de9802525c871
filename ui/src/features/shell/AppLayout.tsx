import { Alert, AppShell, Button, Container, Group, Menu, Text, UnstyledButton } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { Notice } from "../../components/Notice";
import { subscribeToMessageChanges } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { navigate, usePage } from "../../lib/route";
import { ChangePasswordModal } from "../auth/ChangePasswordModal";
import { useSession } from "../auth/session";
import { useNeedsAttention } from "../messages/queries";
import { Brand } from "./Brand";
import { LanguageToggle } from "./LanguageToggle";
import { Navigation } from "./Navigation";
import { DEFAULT_SCREEN, SCREENS, SCREEN_IDS, visibleScreens } from "./screens";
import { useAppStatus } from "./useAppStatus";
import classes from "./AppLayout.module.css";

const COLLAPSED_KEY = "wasel.nav.collapsed";

export function AppLayout() {
  const page = usePage(SCREEN_IDS, DEFAULT_SCREEN);
  const client = useQueryClient();
  const { session } = useSession();
  const attention = useNeedsAttention();
  const [collapsed, setCollapsed] = useState(() => window.localStorage.getItem(COLLAPSED_KEY) === "1");
  // A notice from the header (password changed) belongs to the screen it was given on.
  const [notice, setNotice] = useState<{ text: string; page: string } | null>(null);
  // Only the screens the signed-in user's roles open; an address naming another opens the first.
  const screens = useMemo(() => visibleScreens(SCREENS, session.operations), [session.operations]);
  const current = screens.find((s) => s.id === page) ?? screens[0];

  useEffect(() => subscribeToMessageChanges(client), [client]);

  // Alt+1…9 open the first nine screens, wherever the focus is.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const n = Number.parseInt(event.code.replace("Digit", ""), 10);
      const target = Number.isInteger(n) && n >= 1 ? screens[n - 1] : undefined;
      if (target) {
        event.preventDefault();
        navigate(target.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [screens]);

  const toggle = () => {
    setCollapsed((c) => {
      window.localStorage.setItem(COLLAPSED_KEY, c ? "0" : "1");
      return !c;
    });
  };
  const Page = current?.component;

  return (
    <AppShell
      header={{ height: "4rem" }}
      navbar={{ width: collapsed ? "4.5rem" : "13.5rem", breakpoint: 0 }}
      padding="lg"
      className={classes.shell}
    >
      <AppShell.Header className={classes.header}>
        <Header onNotice={(text) => setNotice({ text, page: current?.id ?? DEFAULT_SCREEN })} />
      </AppShell.Header>
      <AppShell.Navbar className={classes.navbar}>
        <Navigation
          screens={screens}
          page={current?.id ?? DEFAULT_SCREEN}
          collapsed={collapsed}
          onToggle={toggle}
          waiting={attention.data?.length ?? 0}
        />
      </AppShell.Navbar>
      <AppShell.Main className={classes.main}>
        <Container size="xl" px={0}>
          <Banners />
          {notice && notice.page === (current?.id ?? DEFAULT_SCREEN) && (
            <Notice testId="app-notice" mb="lg" onClose={() => setNotice(null)}>
              {notice.text}
            </Notice>
          )}
          {Page && <Page />}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

function Header({ onNotice }: { onNotice: (text: string) => void }) {
  return (
    <Group h="100%" px="lg" justify="space-between" wrap="nowrap" data-testid="app-shell">
      <Brand />
      <Group gap="sm" wrap="nowrap">
        <SignedInUser onNotice={onNotice} />
        <LanguageToggle />
      </Group>
    </Group>
  );
}

/**
 * Who is at the desk (their name opens what they may change of their own account), and the two
 * ways to leave it: lock (keeps the work) or sign out.
 */
function SignedInUser({ onNotice }: { onNotice: (text: string) => void }) {
  const { t } = useTranslation();
  const { session, signOut, lock } = useSession();
  const [changing, setChanging] = useState(false);
  const { user } = session;
  return (
    <Group gap="xs" wrap="nowrap">
      <Menu position="bottom-end" shadow="md" width="14rem">
        <Menu.Target>
          <UnstyledButton className={classes.userButton} title={user.username} data-testid="user-menu">
            <span className={classes.user}>
              <span className={classes.userName} data-testid="signed-in-user">
                {user.displayName}
              </span>
              <span className={classes.userRoles}>{user.roles.map((r) => t(`roles.${r}`)).join(t("common.listSeparator"))}</span>
            </span>
            <ChevronIcon />
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>
            <Ltr>{user.username}</Ltr>
          </Menu.Label>
          <Menu.Item onClick={() => setChanging(true)} data-testid="change-password-open">
            {t("auth.header.changePassword")}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Button variant="subtle" color="gray" size="compact-sm" onClick={lock} data-testid="lock-now">
        {t("auth.header.lock")}
      </Button>
      <Button variant="default" size="compact-sm" onClick={signOut} data-testid="sign-out">
        {t("auth.header.signOut")}
      </Button>
      {/* Mounted only while open: nothing typed outlives the dialog. */}
      {changing && (
        <ChangePasswordModal
          onClose={() => setChanging(false)}
          onDone={(text) => {
            setChanging(false);
            onNotice(text);
          }}
        />
      )}
    </Group>
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

function ChevronIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="m6 9 6 6 6-6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
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
