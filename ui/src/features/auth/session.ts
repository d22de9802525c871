//! The signed-in user for every screen: who, what they may do (`can`), and signing out or locking.
//! `can` only hides or disables buttons as a courtesy; the core checks each command anyway.
import { createContext, useContext } from "react";
import type { Operation, SessionView } from "../../ipc";

export type Session = {
  session: SessionView;
  can: (operation: Operation) => boolean;
  signOut: () => void;
  lock: () => void;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession() outside the signed-in app (AuthGate renders it)");
  return session;
}

/** `const can = useCan(); can("message.send")` */
export function useCan(): Session["can"] {
  return useSession().can;
}
