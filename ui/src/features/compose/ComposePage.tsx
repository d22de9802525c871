import {
  Alert,
  Anchor,
  Button,
  Grid,
  Group,
  List,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { ChannelIcon } from "../../components/ChannelIcon";
import { CHANNELS } from "../../lib/channels";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import {
  ipc,
  queryKeys,
  toErrorPayload,
  type ErrorPayload,
  type GuardianView,
  type MessageChannel,
  type MessageView,
} from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { navigate } from "../../lib/route";
import { zonedInputToUtc } from "../../lib/zonedTime";
import { useCan } from "../auth/session";
import { ProviderName } from "../messages/ProviderName";
import { useAppStatus } from "../shell/useAppStatus";
import { EmailFields, PushFields, VoiceFields } from "./ChannelFields";
import {
  EMPTY_DRAFT,
  addressFor,
  composeFieldOf,
  draftSignature,
  emptyDrafts,
  inputFor,
  type ComposeField,
  type Draft,
  type Drafts,
  type PickedFile,
} from "./draft";
import { GuardianPicker } from "./GuardianPicker";
import { PreviewCard } from "./PreviewCard";
import { useMessagePreview } from "./queries";
import { SchedulingSection, type ScheduleField } from "./Scheduling";
import { useDraftKey } from "./useDraftKey";
import { WhatsappFields } from "./WhatsappFields";
import classes from "./ComposePage.module.css";

type Sent = { messages: MessageView[]; channel: MessageChannel; sendAt: string | null; guardian: string | null };

export function ComposePage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const status = useAppStatus();
  const can = useCan();

  const [channel, setChannel] = useState<MessageChannel>("sms");
  const [drafts, setDrafts] = useState<Drafts>(emptyDrafts);
  const [guardian, setGuardian] = useState<GuardianView | null>(null);
  const [toTouched, setToTouched] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [sendError, setSendError] = useState<ErrorPayload | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const [scheduleOpen, setScheduleOpen] = useState(false);
  const [sendAt, setSendAt] = useState("");
  const [expiresAt, setExpiresAt] = useState("");
  const [urgent, setUrgent] = useState(false);
  const [invalidTimes, setInvalidTimes] = useState<ScheduleField[]>([]);
  const draftKey = useDraftKey();

  const draft = drafts[channel];
  const voiceLanguage = draft.language ?? guardian?.language ?? "ar";
  // The voice's language is sent as shown, so the preview and the call agree.
  const resolved: Draft = channel === "voice" ? { ...draft, language: voiceLanguage } : draft;
  const sendAtUtc = zonedInputToUtc(sendAt);
  const expiresAtUtc = zonedInputToUtc(expiresAt);
  const shared = { guardianId: guardian?.id ?? null, sendAt: sendAtUtc, expiresAt: expiresAtUtc, urgent };
  const previewQuery = useMessagePreview(inputFor(channel, resolved, { ...shared, idempotencyKey: null }, { withAttachments: false }));
  // While the new channel's answer is on its way the previous one is kept: never show it here.
  const preview = previewQuery.data?.channel === channel ? previewQuery.data : undefined;

  const update = (target: MessageChannel, patch: Partial<Draft> | ((d: Draft) => Partial<Draft>)) =>
    setDrafts((all) => {
      const current = all[target];
      return { ...all, [target]: { ...current, ...(typeof patch === "function" ? patch(current) : patch) } };
    });

  const field = composeFieldOf(sendError);
  const clearFieldError = (...fields: ComposeField[]) => {
    if (field && fields.includes(field)) setSendError(null);
  };
  const edit = (patch: Partial<Draft>, ...fields: ComposeField[]) => {
    update(channel, patch);
    clearFieldError(...fields);
  };

  const send = useMutation({
    mutationFn: ipc.sendMessage,
    onSuccess: (messages, input) => {
      setSent({
        messages,
        channel: input.channel,
        sendAt: messages[0]?.status === "scheduled" ? input.sendAt : null,
        guardian: guardian?.name ?? null,
      });
      setDrafts((all) => ({ ...all, [input.channel]: EMPTY_DRAFT }));
      setGuardian(null);
      setSendAt("");
      setExpiresAt("");
      setUrgent(false);
      setScheduleOpen(false);
      setToTouched(false);
      setAttempted(false);
      draftKey.reset();
      void client.invalidateQueries({ queryKey: queryKeys.messagesRoot });
    },
    // Everything typed stays where it is; only the error is shown.
    onError: (error) => {
      const payload = toErrorPayload(error);
      setSendError(payload);
      const at = composeFieldOf(payload);
      if (at === "sendAt" || at === "expiresAt") setScheduleOpen(true);
    },
  });

  const submit = () => {
    if (send.isPending || !can("message.send")) return;
    setAttempted(true);
    setSendError(null);
    setSent(null);
    // A half-typed time is not "no time": say so instead of sending the message now.
    const invalid: ScheduleField[] = [];
    if (sendAt.trim() !== "" && !sendAtUtc) invalid.push("sendAt");
    if (expiresAt.trim() !== "" && !expiresAtUtc) invalid.push("expiresAt");
    setInvalidTimes(invalid);
    if (invalid.length > 0) {
      setScheduleOpen(true);
      return;
    }
    const key = draftKey.keyFor(draftSignature(channel, resolved, shared));
    send.mutate(inputFor(channel, resolved, { ...shared, idempotencyKey: key }, { withAttachments: true }));
  };

  const switchChannel = (next: MessageChannel) => {
    setChannel(next);
    setSendError(null);
    setToTouched(false);
    setAttempted(false);
  };

  const pickGuardian = (picked: GuardianView | null) => {
    setGuardian(picked);
    if (picked) {
      // The guardian's number and email fill every channel's address at once.
      setDrafts((all) => {
        const next = { ...all };
        for (const c of CHANNELS) next[c] = { ...all[c], to: addressFor(c, picked) };
        return next;
      });
    }
    clearFieldError("to", "guardian", "devices");
  };

  const errorAt = (f: ComposeField) => (field === f && sendError ? errorText(sendError) : undefined);
  const previewAddressError = (toTouched || attempted) && preview?.addressError ? preview.addressError : null;
  const toError = errorAt("to") ?? (previewAddressError ? errorText(previewAddressError) : undefined);
  const timeError = (f: ScheduleField) => (invalidTimes.includes(f) ? t("compose.schedule.invalidTime") : errorAt(f));
  const generalError = sendError && !field ? sendError : null;

  const onBodyKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  const body = (
    <Textarea
      data-testid="compose-body"
      label={t(`compose.body.label_${channel}`)}
      description={channel === "voice" ? t("compose.voice.scriptHint") : undefined}
      placeholder={t(`compose.body.placeholder_${channel}`)}
      value={draft.body}
      onChange={(event) => edit({ body: event.currentTarget.value }, "body")}
      onKeyDown={onBodyKeyDown}
      error={errorAt("body")}
      errorProps={{ "data-testid": "compose-body-error" }}
      dir="auto"
      autosize
      minRows={channel === "email" ? 8 : channel === "push" ? 3 : 6}
      maxRows={16}
      withAsterisk
    />
  );

  return (
    <Stack gap={0}>
      <PageHeader title={t("compose.title")} subtitle={t("compose.subtitle")} />

      {sent && <SuccessPanel sent={sent} onClose={() => setSent(null)} />}

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Paper withBorder p="lg" shadow="xs">
            <form
              noValidate
              onSubmit={(event) => {
                event.preventDefault();
                submit();
              }}
            >
              <Stack gap="md">
                <SegmentedControl
                  data-testid="compose-channel"
                  fullWidth
                  value={channel}
                  onChange={(value) => switchChannel(value as MessageChannel)}
                  aria-label={t("compose.channel")}
                  data={CHANNELS.map((c) => ({
                    value: c,
                    label: (
                      <span className={classes.channelOption} data-testid={`compose-channel-${c}`}>
                        <ChannelIcon channel={c} size={16} />
                        {t(`channel.${c}`)}
                      </span>
                    ),
                  }))}
                />
                <GuardianPicker
                  channel={channel}
                  value={guardian?.id ?? null}
                  onPick={pickGuardian}
                  required={channel === "push"}
                  error={errorAt("guardian")}
                />
                {channel !== "push" && (
                  <TextInput
                    data-testid="compose-to"
                    label={t(channel === "email" ? "compose.to.emailLabel" : "compose.to.label")}
                    description={t(channel === "email" ? "compose.to.emailDescription" : "compose.to.description")}
                    placeholder={t(channel === "email" ? "compose.to.emailPlaceholder" : "compose.to.placeholder")}
                    value={draft.to}
                    onChange={(event) => {
                      const value = event.currentTarget.value;
                      update(channel, { to: value });
                      // A hand-edited address is no longer the picked guardian's.
                      if (guardian && value !== addressFor(channel, guardian)) setGuardian(null);
                      clearFieldError("to");
                    }}
                    onBlur={() => setToTouched(true)}
                    error={toError}
                    errorProps={{ "data-testid": "compose-to-error" }}
                    dir="ltr"
                    inputMode={channel === "email" ? "email" : "tel"}
                    type={channel === "email" ? "email" : "text"}
                    autoComplete="off"
                    classNames={{ input: classes.ltrInput }}
                    withAsterisk
                  />
                )}

                {channel === "sms" && body}
                {channel === "whatsapp" && (
                  <WhatsappFields
                    draft={draft}
                    onChange={(patch) => edit(patch, "template", "params", "body")}
                    preview={preview}
                    body={body}
                    templateError={errorAt("template")}
                    paramsError={errorAt("params")}
                    sandbox={status.data?.sandbox === true && status.data.sandboxUrl !== null}
                  />
                )}
                {channel === "email" && (
                  <EmailFields
                    draft={draft}
                    onChange={(patch) => edit(patch, "subject", "attachments")}
                    onAddFiles={(files: PickedFile[]) => {
                      update("email", (d) => ({ attachments: [...d.attachments, ...files] }));
                      clearFieldError("attachments");
                    }}
                    body={body}
                    subjectError={errorAt("subject")}
                    attachmentsError={errorAt("attachments")}
                  />
                )}
                {channel === "push" && (
                  <PushFields
                    guardian={guardian}
                    draft={draft}
                    onChange={(patch) => edit(patch, "subject")}
                    body={body}
                    subjectError={errorAt("subject")}
                    devicesError={errorAt("devices")}
                  />
                )}
                {channel === "voice" && (
                  <VoiceFields
                    language={voiceLanguage}
                    followsGuardian={draft.language === null && guardian !== null}
                    onLanguage={(language) => update("voice", { language })}
                    body={body}
                  />
                )}

                <SchedulingSection
                  open={scheduleOpen}
                  onToggle={() => setScheduleOpen((open) => !open)}
                  sendAt={sendAt}
                  expiresAt={expiresAt}
                  urgent={urgent}
                  onSendAt={(value) => {
                    setSendAt(value);
                    setInvalidTimes((fields) => fields.filter((f) => f !== "sendAt"));
                    clearFieldError("sendAt", "expiresAt");
                  }}
                  onExpiresAt={(value) => {
                    setExpiresAt(value);
                    setInvalidTimes((fields) => fields.filter((f) => f !== "expiresAt"));
                    clearFieldError("sendAt", "expiresAt");
                  }}
                  onUrgent={setUrgent}
                  sendAtError={timeError("sendAt")}
                  expiresAtError={timeError("expiresAt")}
                />
                {generalError && (
                  <Alert color="red" variant="light" radius="md" title={t("compose.sendErrorTitle")} data-testid="compose-error">
                    {errorText(generalError)}
                  </Alert>
                )}
                {/* Previewing needs message.compose; sending, message.send (the core checks both). */}
                {can("message.send") && (
                  <Group justify="flex-end">
                    <Button
                      type="submit"
                      size="md"
                      miw="9rem"
                      loading={send.isPending}
                      disabled={send.isPending}
                      data-testid="compose-send"
                    >
                      {sendAtUtc ? t("compose.schedule.submit") : t(`compose.send_${channel}`)}
                    </Button>
                  </Group>
                )}
              </Stack>
            </form>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <PreviewCard channel={channel} preview={preview} draft={draft} voiceLanguage={voiceLanguage} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

/** Queued or scheduled; a push lists each device's copy. */
function SuccessPanel({ sent, onClose }: { sent: Sent; onClose: () => void }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const first = sent.messages[0];
  if (!first) return null;
  const to = sent.channel === "push" ? (sent.guardian ?? first.guardianName ?? first.toDisplay) : first.toDisplay;
  return (
    <Alert
      data-testid="compose-success"
      data-message-id={first.id}
      data-message-ids={sent.messages.map((m) => m.id).join(" ")}
      data-count={sent.messages.length}
      data-channel={sent.channel}
      data-status={first.status}
      color="teal"
      variant="light"
      radius="md"
      mb="lg"
      title={sent.sendAt ? t("compose.successScheduledTitle") : t("compose.successTitle")}
      withCloseButton
      closeButtonLabel={t("common.close")}
      onClose={onClose}
    >
      <Stack gap="xs">
        <Group gap="sm" justify="space-between" wrap="wrap">
          <Text size="sm">
            {sent.sendAt
              ? t("compose.successScheduledBody", { to, when: formatDateTime(sent.sendAt, language) })
              : sent.channel === "push"
                ? t("compose.successPushBody", { to, count: sent.messages.length })
                : t("compose.successBody", { to })}
          </Text>
          <Anchor component="button" type="button" size="sm" fw={500} onClick={() => navigate("messages")}>
            {t("compose.viewMessages")}
          </Anchor>
        </Group>
        {sent.messages.length > 1 && (
          <List size="sm" spacing={2} data-testid="compose-success-list">
            {sent.messages.map((m) => (
              <List.Item key={m.id}>
                <bdi>{m.provider ? <ProviderName id={m.provider} /> : t(`channel.${m.channel}`)}</bdi>{" "}
                <Text span size="xs" c="dimmed">
                  <Ltr>{m.toDisplay}</Ltr>
                </Text>
              </List.Item>
            ))}
          </List>
        )}
      </Stack>
    </Alert>
  );
}
