//! What an operator may do to a message, by status (the backend enforces the same rules and audits
//! each action as the console), and the one mutation every screen uses to do it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type MessageStatus, type MessageView, type OperatorAction } from "../../ipc";

const ALLOWED: Record<OperatorAction, readonly MessageStatus[]> = {
  resend: ["unknown"],
  dismiss: ["unknown"],
  retryNow: ["queued", "scheduled"],
  cancel: ["queued", "scheduled", "unknown"],
};

/** In the order they are offered: the likely choice first, cancelling last. */
const ORDER: readonly OperatorAction[] = ["resend", "dismiss", "retryNow", "cancel"];

export function actionsFor(status: MessageStatus): OperatorAction[] {
  return ORDER.filter((action) => ALLOWED[action].includes(status));
}

/** Actions that cannot be taken back ask first; "retry now" only moves a waiting message forward. */
export function needsConfirmation(action: OperatorAction): boolean {
  return action !== "retryNow";
}

export const ACTION_TEST_ID: Record<OperatorAction, string> = {
  cancel: "action-cancel",
  retryNow: "action-retry",
  resend: "action-resend",
  dismiss: "action-dismiss",
};

/** "Retry now" on a message that never tried yet (scheduled, or queued behind quiet hours) sends it now. */
export function actionLabelKey(action: OperatorAction, message: Pick<MessageView, "attempts">): string {
  if (action === "retryNow" && message.attempts === 0) return "actions.sendNow.label";
  return `actions.${action}.label`;
}

export type ActionRequest = { id: string; action: OperatorAction };

/** Lists, the drawer, its timeline and the attention count all refresh after an action, even a refused one. */
export function useMessageAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: ActionRequest) => ipc.actOnMessage(id, action),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.messagesRoot }),
  });
}

/**
 * The drawer shows whichever copy of the message is newer: the list's, or the one an action just
 * returned (the list catches up a moment later, and a filtered list may drop the message).
 */
export function latest(listed: MessageView | undefined, returned: MessageView | undefined): MessageView | null {
  if (!listed) return returned ?? null;
  if (!returned) return listed;
  return Date.parse(returned.updatedAt) > Date.parse(listed.updatedAt) ? returned : listed;
}
