import { Group, Text, type MantineSize } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { MessageChannel } from "../ipc";
import { CHANNEL_COLOR } from "../lib/channels";

const PATHS: Record<MessageChannel, React.ReactNode> = {
  sms: <path d="M4 5h16v11H9l-5 4z" strokeLinejoin="round" />,
  whatsapp: (
    <>
      <path d="M4.5 19.5 5.6 16A8 8 0 1 1 8.3 18.6z" strokeLinejoin="round" />
      <path d="M9.2 9.3c.3 2 1.7 3.5 3.7 4.2l1-1 1.6.8-.4 1.3c-3 .1-5.9-2.8-6-5.8l1.3-.4.8 1.6z" strokeLinejoin="round" />
    </>
  ),
  email: (
    <>
      <rect x="3.5" y="5.5" width="17" height="13" rx="1.5" />
      <path d="m4 7 8 6 8-6" strokeLinejoin="round" />
    </>
  ),
  push: (
    <>
      <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z" strokeLinejoin="round" />
      <path d="M10 20.5a2 2 0 0 0 4 0" />
    </>
  ),
  voice: (
    <path
      d="M6.6 3.5h3l1.4 4-2 1.3a11 11 0 0 0 6.2 6.2l1.3-2 4 1.4v3a2 2 0 0 1-2.2 2A16.5 16.5 0 0 1 4.6 5.7a2 2 0 0 1 2-2.2z"
      strokeLinejoin="round"
    />
  ),
};

export function ChannelIcon({ channel, size = 18 }: { channel: MessageChannel; size?: number }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      strokeWidth="1.7"
      aria-hidden="true"
      style={{ color: `var(--mantine-color-${CHANNEL_COLOR[channel]}-7)`, flex: "none" }}
    >
      {PATHS[channel]}
    </svg>
  );
}

/** The channel's icon and its name ("واتساب"), for table cells and cards. */
export function ChannelLabel({ channel, size = "sm" }: { channel: MessageChannel; size?: MantineSize }) {
  const { t } = useTranslation();
  return (
    <Group gap={6} wrap="nowrap" data-testid="channel-label" data-channel={channel}>
      <ChannelIcon channel={channel} />
      <Text size={size} span>
        {t(`channel.${channel}`)}
      </Text>
    </Group>
  );
}
