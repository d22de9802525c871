import { Alert, Anchor, Badge, Button, Grid, Group, Paper, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import { ipc, queryKeys, toErrorPayload, type ErrorPayload, type GuardianView, type MessageView, type SmsPreview } from "../../ipc";
import { errorField, useErrorText } from "../../lib/errors";
import { formatNumber } from "../../lib/format";
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
  const [sent, setSent] = useState<MessageView | null>(null);
  const draftKey = useDraftKey();
  const preview = useSmsPreview(to, body);

  const send = useMutation({
    mutationFn: ipc.sendSms,
    onSuccess: (message) => {
      setSent(message);
      setTo("");
      setBody("");
      setGuardian(null);
      setToTouched(false);
      setAttempted(false);
      draftKey.reset();
      void client.invalidateQueries({ queryKey: queryKeys.messagesRoot });
    },
    // Everything typed stays where it is; only the error is shown.
    onError: (error) => setSendError(toErrorPayload(error)),
  });

  const submit = () => {
    if (send.isPending) return;
    setAttempted(true);
    setSendError(null);
    setSent(null);
    const guardianId = guardian?.id ?? null;
    send.mutate({ to, body, guardianId, idempotencyKey: draftKey.keyFor(JSON.stringify([to, body, guardianId])) });
  };

  const clearFieldError = (field: "phone" | "body") => {
    if (errorField(sendError) === field) setSendError(null);
  };

  const sendField = errorField(sendError);
  const previewPhoneError = (toTouched || attempted) && preview.data?.phoneError ? preview.data.phoneError : null;
  const toError = sendField === "phone" && sendError ? sendError : previewPhoneError;
  const bodyError = sendField === "body" ? sendError : null;
  const generalError = sendError && sendField !== "phone" && sendField !== "body" ? sendError : null;

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
          data-message-id={sent.id}
          color="teal"
          variant="light"
          radius="md"
          mb="lg"
          title={t("compose.successTitle")}
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={() => setSent(null)}
        >
          <Group gap="sm" justify="space-between" wrap="wrap">
            <Text size="sm">{t("compose.successBody", { to: sent.toDisplay })}</Text>
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
                {generalError && (
                  <Alert color="red" variant="light" radius="md" title={t("compose.sendErrorTitle")} data-testid="compose-error">
                    {errorText(generalError)}
                  </Alert>
                )}
                <Group justify="flex-end">
                  <Button type="submit" size="md" miw="9rem" loading={send.isPending} disabled={send.isPending} data-testid="compose-send">
                    {t("compose.send")}
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
