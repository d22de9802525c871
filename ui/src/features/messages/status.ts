import type { MantineColor } from "@mantine/core";
import type { MessageStatus, MessageView } from "../../ipc";

export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "cancelled",
  "expired",
  "unknown",
];

/** Green for good news, red for failures the desk should act on, calm blues while in flight. */
export const STATUS_COLOR: Record<MessageStatus, MantineColor> = {
  scheduled: "gray",
  queued: "indigo",
  sending: "cyan",
  sent: "blue",
  delivered: "teal",
  read: "green",
  failed: "red",
  cancelled: "gray",
  expired: "orange",
  unknown: "yellow",
};

/** How a call ended, as Twilio words it (the simulator's inbox and `error.params.code` use the same). */
export const CALL_OUTCOMES = ["completed", "no-answer", "busy", "failed", "canceled", "ringing", "in-progress", "queued"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const CALL_OUTCOME_COLOR: Record<CallOutcome, MantineColor> = {
  completed: "teal",
  "no-answer": "orange",
  busy: "orange",
  failed: "red",
  canceled: "gray",
  ringing: "cyan",
  "in-progress": "cyan",
  queued: "indigo",
};

export function isCallOutcome(word: string | null | undefined): word is CallOutcome {
  return (CALL_OUTCOMES as readonly string[]).includes(word ?? "");
}

/** A voice message's outcome: the provider's word when the call failed, else read from the status. */
export function callOutcome(m: Pick<MessageView, "status" | "error">): CallOutcome | null {
  const code = m.error?.params.code;
  if (isCallOutcome(code)) return code;
  switch (m.status) {
    case "delivered":
    case "read":
      return "completed";
    case "failed":
      return "failed";
    case "sent":
      return "ringing";
    case "sending":
    case "queued":
      return "queued";
    case "cancelled":
      return "canceled";
    default:
      return null;
  }
}
