import {
  Alert,
  Anchor,
  Badge,
  Button,
  Collapse,
  Grid,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import { ipc, queryKeys, toErrorPayload, type ErrorPayload, type GuardianView, type MessageView, type SmsPreview } from "../../ipc";
import { errorField, useErrorText } from "../../lib/errors";
import { formatDateTime, formatHijri, formatNumber } from "../../lib/format";
import { zonedInputToUtc } from "../../lib/zonedTime";
import { navigate } from "../../lib/route";
import { GuardianPicker } from "./GuardianPicker";
import { useDraftKey } from "./useDraftKey";
import { useSmsPreview } from "./useSmsPreview";
import classes from "./ComposePage.module.css";

export function ComposePage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();

  const [to, setTo] = useState("");
  const [body, setBody] = useState("");
  const [guardian, setGuardian] = useState<GuardianView | null>(null);
  const [toTouched, setToTouched] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [sendError, setSendError] = useState<ErrorPayload | null>(null);
  const [sent, setSent] = useState<{ message: MessageView; sendAt: string | null } | null>(null);
  const [scheduleOpen, setScheduleOpen] = useState(false);
  const [sendAt, setSendAt] = useState("");
  const [expiresAt, setExpiresAt] = useState("");
  const [urgent, setUrgent] = useState(false);
  const [invalidTimes, setInvalidTimes] = useState<ScheduleField[]>([]);
  const draftKey = useDraftKey();
  const preview = useSmsPreview(to, body);

  const send = useMutation({
    mutationFn: ipc.sendSms,
    onSuccess: (message, input) => {
      setSent({ message, sendAt: message.status === "scheduled" ? input.sendAt : null });
      setTo("");
      setBody("");
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
      if (scheduleFieldOf(payload)) setScheduleOpen(true);
    },
  });

  const sendAtUtc = zonedInputToUtc(sendAt);
  const expiresAtUtc = zonedInputToUtc(expiresAt);

  const submit = () => {
    if (send.isPending) return;
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
    const guardianId = guardian?.id ?? null;
    const draft = JSON.stringify([to, body, guardianId, sendAtUtc, expiresAtUtc, urgent]);
    send.mutate({
      to,
      body,
      guardianId,
      idempotencyKey: draftKey.keyFor(draft),
      sendAt: sendAtUtc,
      expiresAt: expiresAtUtc,
      urgent,
    });
  };

  const clearFieldError = (field: "phone" | "body") => {
    if (errorField(sendError) === field) setSendError(null);
  };

  const clearScheduleError = (field: ScheduleField) => {
    setInvalidTimes((fields) => fields.filter((f) => f !== field));
    if (scheduleFieldOf(sendError)) setSendError(null);
  };

  const sendField = errorField(sendError);
  const previewPhoneError = (toTouched || attempted) && preview.data?.phoneError ? preview.data.phoneError : null;
  const toError = sendField === "phone" && sendError ? sendError : previewPhoneError;
  const bodyError = sendField === "body" ? sendError : null;
  const scheduleField = scheduleFieldOf(sendError);
  const timeError = (field: ScheduleField) => {
    if (invalidTimes.includes(field)) return t("compose.schedule.invalidTime");
    return scheduleField === field && sendError ? errorText(sendError) : undefined;
  };
  const generalError = sendError && sendField !== "phone" && sendField !== "body" && !scheduleField ? sendError : null;

  const onBodyKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <Stack gap={0}>
      <PageHeader title={t("compose.title")} subtitle={t("compose.subtitle")} />

      {sent && (
        <Alert
          data-testid="compose-success"
          data-message-id={sent.message.id}
          data-status={sent.message.status}
          color="teal"
          variant="light"
          radius="md"
          mb="lg"
          title={sent.sendAt ? t("compose.successScheduledTitle") : t("compose.successTitle")}
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={() => setSent(null)}
        >
          <Group gap="sm" justify="space-between" wrap="wrap">
            <Text size="sm">
              {sent.sendAt
                ? t("compose.successScheduledBody", {
                    to: sent.message.toDisplay,
                    when: formatDateTime(sent.sendAt, currentLanguage()),
                  })
                : t("compose.successBody", { to: sent.message.toDisplay })}
            </Text>
            <Anchor component="button" type="button" size="sm" fw={500} onClick={() => navigate("messages")}>
              {t("compose.viewMessages")}
            </Anchor>
          </Group>
        </Alert>
      )}

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
                <GuardianPicker
                  value={guardian?.id ?? null}
                  onPick={(picked) => {
                    setGuardian(picked);
                    if (picked) {
                      setTo(picked.phone);
                      clearFieldError("phone");
                    }
                  }}
                />
                <TextInput
                  data-testid="compose-to"
                  label={t("compose.to.label")}
                  description={t("compose.to.description")}
                  placeholder={t("compose.to.placeholder")}
                  value={to}
                  onChange={(event) => {
                    const value = event.currentTarget.value;
                    setTo(value);
                    // A hand-edited number is no longer the picked guardian's.
                    if (guardian && value !== guardian.phone) setGuardian(null);
                    clearFieldError("phone");
                  }}
                  onBlur={() => setToTouched(true)}
                  error={toError ? errorText(toError) : undefined}
                  errorProps={{ "data-testid": "compose-to-error" }}
                  dir="ltr"
                  inputMode="tel"
                  autoComplete="off"
                  classNames={{ input: classes.ltrInput }}
                  withAsterisk
                />
                <Textarea
                  data-testid="compose-body"
                  label={t("compose.body.label")}
                  placeholder={t("compose.body.placeholder")}
                  value={body}
                  onChange={(event) => {
                    setBody(event.currentTarget.value);
                    clearFieldError("body");
                  }}
                  onKeyDown={onBodyKeyDown}
                  error={bodyError ? errorText(bodyError) : undefined}
                  errorProps={{ "data-testid": "compose-body-error" }}
                  dir="auto"
                  autosize
                  minRows={6}
                  maxRows={14}
                  withAsterisk
                />
                <SchedulingSection
                  open={scheduleOpen}
                  onToggle={() => setScheduleOpen((open) => !open)}
                  sendAt={sendAt}
                  expiresAt={expiresAt}
                  urgent={urgent}
                  onSendAt={(value) => {
                    setSendAt(value);
                    clearScheduleError("sendAt");
                  }}
                  onExpiresAt={(value) => {
                    setExpiresAt(value);
                    clearScheduleError("expiresAt");
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
                <Group justify="flex-end">
                  <Button type="submit" size="md" miw="9rem" loading={send.isPending} disabled={send.isPending} data-testid="compose-send">
                    {sendAtUtc ? t("compose.schedule.submit") : t("compose.send")}
                  </Button>
                </Group>
              </Stack>
            </form>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <PreviewCard preview={preview.data} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

type ScheduleField = "sendAt" | "expiresAt";

/** Both schedule errors are about the expiry: already past, or before the message would go. */
function scheduleFieldOf(error: ErrorPayload | null): ScheduleField | null {
  switch (error?.code) {
    case "schedule.expired":
    case "schedule.expires_before_send":
      return "expiresAt";
    default:
      return error?.code.startsWith("schedule.") ? "sendAt" : null;
  }
}

type SchedulingProps = {
  open: boolean;
  onToggle: () => void;
  sendAt: string;
  expiresAt: string;
  urgent: boolean;
  onSendAt: (value: string) => void;
  onExpiresAt: (value: string) => void;
  onUrgent: (value: boolean) => void;
  sendAtError: string | undefined;
  expiresAtError: string | undefined;
};

/** Later, not after, and urgent: closed until needed; what it holds is still sent when closed. */
function SchedulingSection(props: SchedulingProps) {
  const { t } = useTranslation();
  const { open, sendAt, expiresAt, urgent } = props;
  const summary = [
    zonedInputToUtc(sendAt) ? t("compose.schedule.summaryLater") : null,
    zonedInputToUtc(expiresAt) ? t("compose.schedule.summaryExpires") : null,
    urgent ? t("compose.schedule.summaryUrgent") : null,
  ].filter((s): s is string => s !== null);

  return (
    <div className={classes.schedule}>
      <UnstyledButton
        type="button"
        className={classes.scheduleToggle}
        onClick={props.onToggle}
        aria-expanded={open}
        aria-controls="compose-schedule"
        data-testid="compose-schedule-toggle"
      >
        <ChevronIcon open={open} />
        <Text span size="sm" fw={500}>
          {t("compose.schedule.title")}
        </Text>
        <Text span size="xs" c="dimmed">
          {t("compose.schedule.optional")}
        </Text>
        {!open &&
          summary.map((s) => (
            <Badge key={s} size="sm" variant="light" color="wasel">
              {s}
            </Badge>
          ))}
      </UnstyledButton>
      <Collapse expanded={open} id="compose-schedule" keepMountedMode="display-none">
        <Stack gap="md" pt="sm" pb={4} data-testid="compose-schedule">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <TimeField
              testId="compose-send-at"
              label={t("compose.schedule.sendAt")}
              hint={t("compose.schedule.sendAtHint")}
              value={sendAt}
              onChange={props.onSendAt}
              error={props.sendAtError}
            />
            <TimeField
              testId="compose-expires-at"
              label={t("compose.schedule.expiresAt")}
              hint={t("compose.schedule.expiresAtHint")}
              value={expiresAt}
              onChange={props.onExpiresAt}
              error={props.expiresAtError}
            />
          </SimpleGrid>
          <Switch
            data-testid="compose-urgent"
            label={t("compose.schedule.urgent")}
            description={t("compose.schedule.urgentHint")}
            checked={urgent}
            onChange={(event) => props.onUrgent(event.currentTarget.checked)}
          />
        </Stack>
      </Collapse>
    </div>
  );
}

/** A Riyadh date and time; below it, the same instant spelled out (with its Hijri date) once valid. */
function TimeField({
  testId,
  label,
  hint,
  value,
  onChange,
  error,
}: {
  testId: string;
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const utc = zonedInputToUtc(value);
  return (
    <TextInput
      type="datetime-local"
      data-testid={testId}
      label={label}
      description={
        utc ? (
          <span data-testid={`${testId}-riyadh`}>
            {t("compose.schedule.riyadh", { when: formatDateTime(utc, language), hijri: formatHijri(utc, language) })}
          </span>
        ) : (
          hint
        )
      }
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      error={error}
      errorProps={{ "data-testid": `${testId}-error` }}
      step={60}
      dir="ltr"
      classNames={{ input: classes.ltrInput }}
      rightSection={
        value ? (
          <ClearButton label={t("compose.schedule.clear")} onClick={() => onChange("")} testId={`${testId}-clear`} />
        ) : undefined
      }
    />
  );
}

function ClearButton({ label, onClick, testId }: { label: string; onClick: () => void; testId: string }) {
  return (
    <UnstyledButton type="button" aria-label={label} title={label} onClick={onClick} className={classes.clear} data-testid={testId}>
      <svg viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
        <path d="M6 6l12 12M18 6 6 18" strokeLinecap="round" />
      </svg>
    </UnstyledButton>
  );
}

function ChevronIcon({ open }: { open: boolean }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
      className={classes.chevron}
      data-open={open || undefined}
    >
      <path d="m9 6 6 6-6 6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function PreviewCard({ preview }: { preview: SmsPreview | undefined }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const number = (value: number | undefined) => formatNumber(value ?? 0, language);
  return (
    <Paper withBorder p="lg" shadow="xs" className={classes.preview}>
      <Title order={3} fz="md" mb="md">
        {t("compose.preview.title")}
      </Title>
      <dl className={classes.facts}>
        <div className={classes.fact}>
          <dt>{t("compose.preview.normalized")}</dt>
          <dd>
            {preview?.normalized ? (
              <Ltr testId="compose-normalized">{preview.normalized}</Ltr>
            ) : (
              <span data-testid="compose-normalized">{t("common.none")}</span>
            )}
          </dd>
        </div>
        <div className={classes.fact}>
          <dt>{t("compose.preview.encoding")}</dt>
          <dd>
            <Badge variant="light" color={preview?.encoding === "ucs2" ? "blue" : "gray"} data-testid="compose-encoding">
              {t(preview?.encoding === "ucs2" ? "compose.preview.ucs2" : "compose.preview.gsm7")}
            </Badge>
          </dd>
        </div>
        <div className={classes.fact}>
          <dt>{t("compose.preview.units")}</dt>
          <dd>{number(preview?.units)}</dd>
        </div>
        <div className={classes.fact}>
          <dt>{t("compose.preview.segments")}</dt>
          <dd data-testid="compose-segments" className={classes.big}>
            {number(preview?.segments)}
          </dd>
        </div>
        <div className={classes.fact}>
          <dt>{t("compose.preview.remaining")}</dt>
          <dd data-testid="compose-remaining">{number(preview?.remaining)}</dd>
        </div>
      </dl>
    </Paper>
  );
}
