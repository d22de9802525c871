//! Where signing in stands, kept in one query (`auth-state`) that the sign-in pages, the lock and
//! the global error watch update directly instead of asking the backend again.
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type AuthState, type SessionView } from "../../ipc";

export function useAuthState() {
  return useQuery({ queryKey: queryKeys.authState, queryFn: ipc.authState, staleTime: Infinity, retry: 1 });
}

/** Signed in (or unlocked): the session as the backend answered it. */
export function setSession(client: QueryClient, session: SessionView): void {
  client.setQueryData<AuthState>(queryKeys.authState, { needsFirstAdmin: false, session });
}

/** The console locked: the app stays mounted under the lock. */
export function markLocked(client: QueryClient): void {
  client.setQueryData<AuthState>(queryKeys.authState, (state) =>
    state?.session && !state.session.locked ? { ...state, session: { ...state.session, locked: true } } : state,
  );
}

/** Signed out, or the session ended: back to the sign-in page. */
export function markSignedOut(client: QueryClient): void {
  client.setQueryData<AuthState>(queryKeys.authState, (state) => (state?.session ? { ...state, session: null } : state));
}

/** What the signed-in app cached; only the status and the sign-in state outlive a session. */
export function forgetSessionData(client: QueryClient): void {
  const keep = new Set<unknown>([queryKeys.authState[0], queryKeys.appStatus[0]]);
  client.removeQueries({ predicate: (query) => !keep.has(query.queryKey[0]) });
}

/** After unlocking, what failed while locked is asked again. */
export function refreshAfterUnlock(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.authState[0] });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({ mutationFn: ipc.login, onSuccess: (session) => setSession(client, session) });
}

export function useCreateFirstAdmin() {
  const client = useQueryClient();
  return useMutation({ mutationFn: ipc.createFirstAdmin, onSuccess: (session) => setSession(client, session) });
}

export function useUnlock() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ipc.unlockConsole,
    onSuccess: (session) => {
      setSession(client, session);
      void refreshAfterUnlock(client);
    },
  });
}

/** Signing out always leaves the app, even if the backend could not be told. */
export function useSignOut() {
  const client = useQueryClient();
  return useMutation({ mutationFn: ipc.logout, onSettled: () => markSignedOut(client) });
}

export function useLockConsole() {
  const client = useQueryClient();
  return useMutation({ mutationFn: ipc.lockConsole, onSuccess: () => markLocked(client) });
}

/** The signed-in user's own password; the session goes on as it was. */
export function useChangeOwnPassword() {
  return useMutation({ mutationFn: ({ current, password }: { current: string; password: string }) => ipc.changeOwnPassword(current, password) });
}
