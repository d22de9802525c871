//! One watch over every query and mutation: a command refused because the console idled shows the
//! lock over the app; one refused because the session is gone returns to the sign-in page.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { IpcError } from "../../ipc";
import { markLocked, markSignedOut } from "./queries";

const SIGNED_OUT = new Set(["auth.required", "auth.session_expired", "auth.account_disabled"]);

export function useAuthErrors(): void {
  const client = useQueryClient();
  useEffect(() => {
    const react = (error: unknown) => {
      if (!(error instanceof IpcError)) return;
      if (error.code === "auth.idle_locked") markLocked(client);
      else if (SIGNED_OUT.has(error.code)) markSignedOut(client);
    };
    const stopQueries = client.getQueryCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") react(event.action.error);
    });
    const stopMutations = client.getMutationCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") react(event.action.error);
    });
    return () => {
      stopQueries();
      stopMutations();
    };
  }, [client]);
}
