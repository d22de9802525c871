//! The channels in the order the desk sees them everywhere, and one colour each.
import type { MantineColor } from "@mantine/core";
import type { MessageChannel } from "../ipc";

export const CHANNELS: readonly MessageChannel[] = ["sms", "whatsapp", "email", "push", "voice"];

export const CHANNEL_COLOR: Record<MessageChannel, MantineColor> = {
  sms: "indigo",
  whatsapp: "green",
  email: "orange",
  push: "grape",
  voice: "cyan",
};
