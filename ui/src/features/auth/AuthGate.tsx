//! The door to the console: the first administrator on a new installation, then sign-in, then the
//! app with its session. The lock sits over the still-mounted app, so nothing typed is lost.
import { Alert, Button, Center, Loader } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ipc, type Operation, type SessionView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { useRememberedLanguage } from "../shell/useLanguage";
import { AuthFrame } from "./AuthFrame";
import { FirstAdminPage } from "./FirstAdminPage";
import { LockOverlay } from "./LockOverlay";
import { forgetSessionData, useAuthState, useLockConsole, useSignOut } from "./queries";
import { SessionContext, type Session } from "./session";
import { SignInPage } from "./SignInPage";
import { useAuthErrors } from "./useAuthErrors";
import { useIdleLock } from "./useIdleLock";
import classes from "./Auth.module.css";

export function AuthGate({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const auth = useAuthState();
  useRememberedLanguage();
  useAuthErrors();

  // Whatever the last user's screens cached goes once they are out.
  const signedIn = Boolean(auth.data?.session);
  const wasSignedIn = useRef(signedIn);
  useEffect(() => {
    if (wasSignedIn.current && !signedIn) forgetSessionData(client);
    wasSignedIn.current = signedIn;
  }, [signedIn, client]);

  // A failed refresh keeps the last answer: only a first answer that failed stops here.
  if (!auth.data) {
    if (auth.isError) {
      return (
        <AuthFrame title={t("auth.loadFailed")}>
          <Alert color="red" variant="light" radius="md" data-testid="auth-load-error">
            {errorText(auth.error)}
          </Alert>
          <Button mt="md" onClick={() => void auth.refetch()} loading={auth.isFetching}>
            {t("common.retry")}
          </Button>
        </AuthFrame>
      );
    }
    return (
      <Center mih="100dvh">
        <Loader aria-label={t("common.loading")} />
      </Center>
    );
  }
  if (auth.data.needsFirstAdmin) return <FirstAdminPage />;
  if (!auth.data.session) return <SignInPage />;
  return <SignedIn session={auth.data.session}>{children}</SignedIn>;
}

function SignedIn({ session, children }: { session: SessionView; children: ReactNode }) {
  const signOut = useSignOut();
  const lock = useLockConsole();
  const { mutate: logout } = signOut;
  const { mutate: lockNow } = lock;
  const value = useMemo<Session>(
    () => ({
      session,
      can: (operation: Operation) => session.operations.includes(operation),
      signOut: () => logout(),
      lock: () => lockNow(),
    }),
    [session, logout, lockNow],
  );
  // A mutation, so that a refusal (the backend found the console idle) reaches the global watch.
  const { mutate: reportActivity } = useMutation({ mutationFn: ipc.consoleActivity });
  const onActivity = useCallback(() => reportActivity(), [reportActivity]);
  useIdleLock({
    active: !session.locked,
    idleLockMinutes: session.idleLockMinutes,
    onActivity,
    onIdle: value.lock,
  });

  return (
    <SessionContext value={value}>
      {/* Locked: still mounted (drafts stay), but out of reach of the keyboard and screen readers. */}
      <div className={classes.app} inert={session.locked || undefined} data-testid="signed-in-app">
        {children}
      </div>
      <LockOverlay opened={session.locked} session={session} onSignOut={value.signOut} />
    </SessionContext>
  );
}
