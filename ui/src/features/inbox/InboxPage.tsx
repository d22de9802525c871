import {
  Alert,
  Badge,
  Button,
  EmptyState,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ChannelIcon } from "../../components/ChannelIcon";
import { CHANNELS } from "../../lib/channels";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import type { InboxItem, MessageChannel } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatBytes, formatDateTime, formatNumber } from "../../lib/format";
import { useCan } from "../auth/session";
import { ProviderName } from "../messages/ProviderName";
import { CALL_OUTCOME_COLOR, isCallOutcome } from "../messages/status";
import { useAppStatus } from "../shell/useAppStatus";
import { useClearInbox, useReplyAsGuardian, useSandboxInbox } from "./queries";
import classes from "./InboxPage.module.css";
import { Loading } from "../../components/Loading";

const ALL = "all";

/** What each family would have seen, had the sandbox been real: newest first, live. */
export function InboxPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const status = useAppStatus();
  const [channel, setChannel] = useState<MessageChannel | null>(null);
  const inbox = useSandboxInbox(channel);
  const clear = useClearInbox();
  const can = useCan();
  const items = inbox.data ?? [];
  const off = status.data !== undefined && status.data.sandboxUrl === null;

  return (
    <Stack gap={0} data-testid="sandbox-inbox">
      <PageHeader
        title={t("inbox.title")}
        subtitle={t("inbox.subtitle")}
        actions={
          can("sandbox.use") && (
            <Button
              variant="default"
              color="red"
              data-testid="inbox-clear"
              loading={clear.isPending}
              disabled={items.length === 0 && channel === null}
              onClick={() => clear.mutate()}
            >
              {t("inbox.clear")}
            </Button>
          )
        }
      />

      <SegmentedControl
        data-testid="inbox-channel-filter"
        mb="lg"
        value={channel ?? ALL}
        onChange={(value) => setChannel(value === ALL ? null : (value as MessageChannel))}
        className={classes.filter}
        data={[
          { value: ALL, label: <span data-testid="inbox-filter-all">{t("inbox.all")}</span> },
          ...CHANNELS.map((c) => ({
            value: c,
            label: (
              <span className={classes.filterOption} data-testid={`inbox-filter-${c}`}>
                <ChannelIcon channel={c} size={15} />
                {t(`channel.${c}`)}
              </span>
            ),
          })),
        ]}
      />

      {(inbox.isError || clear.isError) && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")}>
          {errorText(inbox.error ?? clear.error)}
        </Alert>
      )}

      {off ? (
        <Paper withBorder shadow="xs">
          <EmptyState py="3rem" data-testid="inbox-off" title={t("inbox.offTitle")} description={t("inbox.offBody")} />
        </Paper>
      ) : inbox.isPending ? <Loading /> : items.length === 0 ? (
        <Paper withBorder shadow="xs">
          <EmptyState
            py="3rem"
            data-testid="inbox-empty"
            withIndicatorBackground
            title={t("inbox.emptyTitle")}
            description={t("inbox.emptyBody")}
          />
        </Paper>
      ) : (
        <Stack gap="md">
          {items.map((item) => (
            <InboxEntry key={`${item.channel}-${item.id}`} item={item} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

function InboxEntry({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const replyable = item.channel === "sms" || item.channel === "whatsapp";
  const can = useCan();
  return (
    <Paper
      component="article"
      withBorder
      shadow="xs"
      p="md"
      className={classes.item}
      data-testid="inbox-item"
      data-channel={item.channel}
      data-status={item.status}
      data-provider={item.provider}
    >
      <Group justify="space-between" gap="xs" mb="sm" wrap="wrap">
        <Group gap={8} wrap="nowrap">
          <ChannelIcon channel={item.channel} />
          <Text size="sm" fw={600}>
            {t(`channel.${item.channel}`)}
          </Text>
          <Text size="xs" c="dimmed">
            <bdi>
              <ProviderName id={item.provider} />
            </bdi>
          </Text>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <Text size="xs" c="dimmed">
            {t("inbox.to")} <Ltr>{item.to}</Ltr>
          </Text>
          <Text size="xs" c="dimmed" className={classes.time}>
            {formatDateTime(item.at, language, { seconds: true })}
          </Text>
        </Group>
      </Group>

      {item.channel === "sms" && <SmsBubble item={item} />}
      {item.channel === "whatsapp" && <WhatsappBubble item={item} />}
      {item.channel === "email" && <EmailCard item={item} />}
      {item.channel === "push" && <PushCard item={item} />}
      {item.channel === "voice" && <CallCard item={item} />}

      {replyable && can("sandbox.use") && <ReplyAsGuardian item={item} />}
    </Paper>
  );
}

function StatusWord({ status }: { status: string }) {
  const { t } = useTranslation();
  const bad = ["failed", "undelivered", "rejected"].includes(status);
  return (
    <Badge size="sm" variant="light" color={bad ? "red" : status === "read" ? "green" : "gray"} data-testid="inbox-status">
      {t(`inbox.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

function SmsBubble({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  return (
    <Stack gap={6}>
      <div className={classes.smsThread}>
        {item.from && (
          <Text size="xs" c="dimmed" mb={4}>
            {t("inbox.from")} <Ltr>{item.from}</Ltr>
          </Text>
        )}
        <p className={classes.smsBubble} dir="auto" data-testid="inbox-text">
          {item.text}
        </p>
      </div>
      <Group gap="xs">
        <StatusWord status={item.status} />
        {item.errorCode && (
          <Text size="xs" c="red">
            {t("inbox.errorCode", { code: item.errorCode })}
          </Text>
        )}
      </Group>
    </Stack>
  );
}

function WhatsappBubble({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  return (
    <div className={classes.waThread}>
      <div className={classes.waBubble}>
        {item.title && (
          <Badge size="xs" variant="light" color="green" mb={6} data-testid="inbox-template">
            <Ltr>{item.title}</Ltr>
          </Badge>
        )}
        <p className={classes.waText} dir="auto" data-testid="inbox-text">
          {item.text}
        </p>
        <span className={classes.waMeta}>
          <Ticks status={item.status} />
          <span className={classes.srOnly}>{t(`inbox.status.${item.status}`, { defaultValue: item.status })}</span>
        </span>
      </div>
      {item.errorCode && (
        <Text size="xs" c="red" mt={4}>
          {t("inbox.errorCode", { code: item.errorCode })}
        </Text>
      )}
    </div>
  );
}

/** One grey tick sent, two grey delivered, two blue read; a red mark when it failed. */
function Ticks({ status }: { status: string }) {
  const { t } = useTranslation();
  const label = t(`inbox.status.${status}`, { defaultValue: status });
  if (status === "failed" || status === "undelivered") {
    return (
      <span className={classes.failedMark} title={label} data-testid="inbox-ticks" data-ticks="failed">
        !
      </span>
    );
  }
  const double = status === "delivered" || status === "read";
  const color = status === "read" ? "var(--mantine-color-blue-6)" : "var(--mantine-color-gray-6)";
  return (
    <svg
      viewBox="0 0 20 12"
      width="20"
      height="12"
      fill="none"
      stroke={color}
      strokeWidth="1.6"
      aria-label={label}
      role="img"
      data-testid="inbox-ticks"
      data-ticks={status === "read" ? "read" : double ? "delivered" : "sent"}
      className={classes.ticks}
    >
      <title>{label}</title>
      <path d="m1 6.5 3.5 3.5L11 2" strokeLinecap="round" strokeLinejoin="round" />
      {double && <path d="m7.5 10 1 .1L15 2" strokeLinecap="round" strokeLinejoin="round" />}
    </svg>
  );
}

function EmailCard({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <div className={classes.email}>
      <dl className={classes.emailHead}>
        <dt>{t("inbox.from")}</dt>
        <dd>
          <bdi>{item.from ?? t("common.none")}</bdi>
        </dd>
        <dt>{t("inbox.to")}</dt>
        <dd>
          <Ltr>{item.to}</Ltr>
        </dd>
        <dt>{t("inbox.subject")}</dt>
        <dd className={classes.subject} dir="auto" data-testid="inbox-subject">
          {item.title ?? t("common.none")}
        </dd>
      </dl>
      {item.html ? (
        // Rendered with every permission off: no scripts, no forms, no navigation, no same origin.
        <iframe
          className={classes.emailHtml}
          title={t("inbox.htmlTitle", { subject: item.title ?? "" })}
          sandbox=""
          srcDoc={item.html}
          data-testid="inbox-html"
        />
      ) : (
        <p className={classes.emailText} dir="auto" data-testid="inbox-text">
          {item.text}
        </p>
      )}
      {item.attachments.length > 0 && (
        <ul className={classes.attachments} data-testid="inbox-attachments">
          {item.attachments.map((a, i) => (
            <li key={`${a.filename}-${i}`} data-testid="inbox-attachment">
              <Text size="sm" fw={500} span>
                <bdi>{a.filename || t("inbox.unnamed")}</bdi>
              </Text>
              <Text size="xs" c="dimmed" span>
                <Ltr>{a.contentType}</Ltr> · {formatBytes(a.size, language)}
              </Text>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PushCard({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  return (
    <div className={classes.push}>
      <span className={classes.pushApp} aria-hidden="true">
        {t("app.name").slice(0, 1)}
      </span>
      <Stack gap={2} style={{ flex: 1, minInlineSize: 0 }}>
        <Text size="sm" fw={600} dir="auto" data-testid="inbox-push-title">
          {item.title ?? t("app.name")}
        </Text>
        <Text size="sm" dir="auto" data-testid="inbox-text">
          {item.text}
        </Text>
        <Group gap="xs" mt={4}>
          {item.language && <Fact>{languageName(item.language, t)}</Fact>}
          <Fact>
            <ProviderName id={item.provider} />
          </Fact>
          <StatusWord status={item.status} />
        </Group>
      </Stack>
    </div>
  );
}

function CallCard({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const outcome = isCallOutcome(item.status) ? item.status : null;
  return (
    <div className={classes.call}>
      <Group gap="xs" mb="xs">
        <Badge
          size="md"
          variant="light"
          color={outcome ? CALL_OUTCOME_COLOR[outcome] : "gray"}
          data-testid="inbox-call-outcome"
          data-outcome={item.status}
        >
          {outcome ? t(`callOutcome.${outcome}`) : item.status}
        </Badge>
        {item.durationSecs !== null && (
          <Fact>{t("inbox.duration", { seconds: formatNumber(item.durationSecs, language) })}</Fact>
        )}
        {item.language && <Fact>{languageName(item.language, t)}</Fact>}
        {item.voice && (
          <Fact>
            {t("inbox.voice")} <Ltr>{item.voice}</Ltr>
          </Fact>
        )}
      </Group>
      <Text size="sm" dir="auto" className={classes.script} data-testid="inbox-text">
        {item.text || t("inbox.notSpoken")}
      </Text>
      {/* A provider's numeric code says more than the outcome already shown; the outcome word itself does not. */}
      {item.errorCode && !isCallOutcome(item.errorCode) && (
        <Text size="xs" c="red" mt={4}>
          {t("inbox.errorCode", { code: item.errorCode })}
        </Text>
      )}
    </div>
  );
}

function Fact({ children }: { children: ReactNode }) {
  return (
    <Text size="xs" c="dimmed" className={classes.fact}>
      {children}
    </Text>
  );
}

/** The guardian answers: it reaches the console through the provider's webhook, as a real reply would. */
function ReplyAsGuardian({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const reply = useReplyAsGuardian();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(() => t("inbox.replyDefault"));

  if (!open) {
    return (
      <Group justify="flex-end" mt="sm" gap="sm">
        {reply.isSuccess && (
          <Text size="xs" c="teal.8" data-testid="inbox-reply-done">
            {t("inbox.replyDone")}
          </Text>
        )}
        <Button
          size="compact-sm"
          variant="subtle"
          onClick={() => {
            reply.reset();
            setOpen(true);
          }}
          data-testid="inbox-reply"
        >
          {t("inbox.reply")}
        </Button>
      </Group>
    );
  }
  return (
    <form
      noValidate
      className={classes.reply}
      onSubmit={(event) => {
        event.preventDefault();
        reply.mutate(
          { channel: item.channel, from: item.to, text, provider: item.channel === "whatsapp" ? item.provider : null },
          { onSuccess: () => setOpen(false) },
        );
      }}
    >
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <TextInput
          data-testid="inbox-reply-text"
          aria-label={t("inbox.replyLabel")}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={reply.isError ? errorText(reply.error) : undefined}
          dir="auto"
          style={{ flex: 1 }}
          size="sm"
        />
        <Button type="submit" size="sm" loading={reply.isPending} data-testid="inbox-reply-send">
          {t("inbox.replySend")}
        </Button>
        <Button size="sm" variant="subtle" color="gray" onClick={() => setOpen(false)} disabled={reply.isPending}>
          {t("actions.back")}
        </Button>
      </Group>
    </form>
  );
}

/** `ar`, `arb`, `ar-AE`, `en-US` → the language's name; anything else as it is. */
function languageName(code: string, t: (key: string) => string): string {
  const base = code.toLowerCase().slice(0, 2);
  return base === "ar" || base === "en" ? t(`languageName.${base}`) : code;
}
