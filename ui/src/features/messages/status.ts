import type { MantineColor } from "@mantine/core";
import type { MessageStatus } from "../../ipc";

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
