import {
  ActionIcon,
  Badge,
  Button,
  Fieldset,
  Group,
  Input,
  Loader,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { currentLanguage, LANGUAGES } from "../../i18n";
import type { GuardianView, Language } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatBytes } from "../../lib/format";
import { ProviderName } from "../messages/ProviderName";
import { readFiles, VOICE_OF, type Draft, type PickedFile } from "./draft";
import { useGuardianDevices } from "./queries";
import classes from "./ComposePage.module.css";

type Edit = (patch: Partial<Draft>) => void;

/** Subject, the plain text, an optional HTML version and attachments. */
export function EmailFields({
  draft,
  onChange,
  onAddFiles,
  body,
  subjectError,
  attachmentsError,
}: {
  draft: Draft;
  onChange: Edit;
  onAddFiles: (files: PickedFile[]) => void;
  body: ReactNode;
  subjectError: string | undefined;
  attachmentsError: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <SubjectInput kind="email" draft={draft} onChange={onChange} error={subjectError} />
      {body}
      <Textarea
        data-testid="compose-html"
        label={t("compose.email.html")}
        description={t("compose.email.htmlHint")}
        value={draft.html}
        onChange={(event) => onChange({ html: event.currentTarget.value })}
        dir="ltr"
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: "var(--mantine-font-size-xs)" } }}
        autosize
        minRows={2}
        maxRows={10}
        spellCheck={false}
      />
      <Attachments
        files={draft.attachments}
        onAdd={onAddFiles}
        onRemove={(id) => onChange({ attachments: draft.attachments.filter((a) => a.id !== id) })}
        error={attachmentsError}
      />
    </Stack>
  );
}

function Attachments({
  files,
  onAdd,
  onRemove,
  error,
}: {
  files: PickedFile[];
  onAdd: (files: PickedFile[]) => void;
  onRemove: (id: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const input = useRef<HTMLInputElement>(null);
  const [reading, setReading] = useState(false);
  const [readError, setReadError] = useState<string | null>(null);
  const total = files.reduce((sum, f) => sum + f.size, 0);

  return (
    <Input.Wrapper
      label={t("compose.email.attachments")}
      description={t("compose.email.attachmentsHint")}
      error={error ?? readError ?? undefined}
      errorProps={{ "data-testid": "compose-attachments-error" }}
      inputWrapperOrder={["label", "description", "input", "error"]}
    >
      <Stack gap="xs" mt={6}>
        {files.length > 0 && (
          <ul className={classes.files} data-testid="compose-attachments">
            {files.map((f) => (
              <li key={f.id} className={classes.file} data-testid="compose-attachment" data-name={f.filename}>
                <PaperclipIcon />
                <Stack gap={0} style={{ flex: 1, minInlineSize: 0 }}>
                  <Text size="sm" fw={500} truncate>
                    <bdi>{f.filename}</bdi>
                  </Text>
                  <Text size="xs" c="dimmed">
                    {formatBytes(f.size, language)}
                    {f.contentType && (
                      <>
                        {" · "}
                        <Ltr>{f.contentType}</Ltr>
                      </>
                    )}
                  </Text>
                </Stack>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  aria-label={t("compose.email.remove", { name: f.filename })}
                  title={t("compose.email.remove", { name: f.filename })}
                  data-testid="compose-attachment-remove"
                  onClick={() => onRemove(f.id)}
                >
                  <CrossIcon />
                </ActionIcon>
              </li>
            ))}
          </ul>
        )}
        <Group gap="sm">
          <Button
            variant="default"
            size="sm"
            leftSection={<PaperclipIcon />}
            loading={reading}
            onClick={() => input.current?.click()}
            data-testid="compose-attach"
          >
            {t("compose.email.attach")}
          </Button>
          {files.length > 0 && (
            <Text size="xs" c="dimmed" data-testid="compose-attachments-total">
              {t("compose.email.total", { count: files.length, size: formatBytes(total, language) })}
            </Text>
          )}
        </Group>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          data-testid="compose-attachments-input"
          onChange={(event) => {
            const picked = [...(event.currentTarget.files ?? [])];
            // The same file can be picked again after removing it.
            event.currentTarget.value = "";
            if (picked.length === 0) return;
            setReading(true);
            setReadError(null);
            readFiles(picked)
              .then(onAdd)
              .catch(() => setReadError(errorText({ code: "attachment.invalid", params: { name: picked[0]?.name ?? "" } })))
              .finally(() => setReading(false));
          }}
        />
      </Stack>
    </Input.Wrapper>
  );
}

/** The email's subject or the notification's title (both are `draft.subject`). */
function SubjectInput({
  kind,
  draft,
  onChange,
  error,
}: {
  kind: "email" | "push";
  draft: Draft;
  onChange: Edit;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const [label, placeholder] =
    kind === "email"
      ? ["compose.email.subject", "compose.email.subjectPlaceholder"]
      : ["compose.push.title", "compose.push.titlePlaceholder"];
  return (
    <TextInput
      data-testid="compose-subject"
      label={t(label)}
      placeholder={t(placeholder)}
      value={draft.subject}
      onChange={(event) => onChange({ subject: event.currentTarget.value })}
      error={error}
      errorProps={{ "data-testid": "compose-subject-error" }}
      dir="auto"
      withAsterisk
    />
  );
}

/** Title and text; the guardian's devices, each getting its own copy. */
export function PushFields({
  guardian,
  draft,
  onChange,
  body,
  subjectError,
  devicesError,
}: {
  guardian: GuardianView | null;
  draft: Draft;
  onChange: Edit;
  body: ReactNode;
  subjectError: string | undefined;
  devicesError: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Devices guardian={guardian} error={devicesError} />
      <SubjectInput kind="push" draft={draft} onChange={onChange} error={subjectError} />
      {body}
      <Fieldset legend={t("compose.push.english")} variant="filled" data-testid="compose-push-english">
        <Stack gap="sm">
          <Text size="xs" c="dimmed">
            {t("compose.push.englishHint")}
          </Text>
          <TextInput
            data-testid="compose-subject-en"
            label={t("compose.push.englishTitle")}
            value={draft.subjectEn}
            onChange={(event) => onChange({ subjectEn: event.currentTarget.value })}
            dir="ltr"
          />
          <Textarea
            data-testid="compose-body-en"
            label={t("compose.push.englishBody")}
            value={draft.bodyEn}
            onChange={(event) => onChange({ bodyEn: event.currentTarget.value })}
            autosize
            minRows={2}
            dir="ltr"
          />
        </Stack>
      </Fieldset>
    </Stack>
  );
}

function Devices({ guardian, error }: { guardian: GuardianView | null; error: string | undefined }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const devices = useGuardianDevices(guardian?.id ?? null);
  const list = devices.data ?? [];

  let content: ReactNode;
  if (!guardian) {
    content = (
      <Text size="sm" c="dimmed" data-testid="compose-devices-empty">
        {t("compose.push.pickGuardian")}
      </Text>
    );
  } else if (devices.isPending) {
    content = <Loader size="xs" />;
  } else if (devices.isError) {
    content = (
      <Text size="sm" c="red">
        {errorText(devices.error)}
      </Text>
    );
  } else if (list.length === 0) {
    content = (
      <Text size="sm" c="dimmed" data-testid="compose-devices-empty">
        {t("compose.push.noDevices")}
      </Text>
    );
  } else {
    content = (
      <Stack gap="xs">
        <ul className={classes.files}>
          {list.map((d) => (
            <li
              key={d.id}
              className={classes.file}
              data-testid="compose-device"
              data-disabled={d.disabled || undefined}
              data-language={d.language}
            >
              <PhoneIcon />
              <Stack gap={0} style={{ flex: 1, minInlineSize: 0 }}>
                <Text size="sm" fw={500}>
                  {d.label ?? t("compose.push.device")}{" "}
                  <Text span size="xs" c="dimmed">
                    <Ltr>…{d.tokenTail}</Ltr>
                  </Text>
                </Text>
                <Text size="xs" c="dimmed">
                  <bdi>
                    <ProviderName id={d.service} />
                  </bdi>
                  {" · "}
                  {t(`languageName.${d.language}`)}
                </Text>
              </Stack>
              {d.disabled ? (
                <Badge color="red" variant="light" size="sm" title={d.disabledReason ?? undefined}>
                  {t("compose.push.disabled")}
                </Badge>
              ) : (
                <Badge color="teal" variant="light" size="sm">
                  {t("compose.push.active")}
                </Badge>
              )}
            </li>
          ))}
        </ul>
        <Text size="xs" c="dimmed" data-testid="compose-devices-note">
          {t("compose.push.languageNote")}
        </Text>
      </Stack>
    );
  }

  return (
    <Input.Wrapper
      label={t("compose.push.devices")}
      error={error}
      errorProps={{ "data-testid": "compose-devices-error" }}
      inputWrapperOrder={["label", "input", "error"]}
    >
      <div data-testid="compose-devices" className={classes.devices}>
        {content}
      </div>
    </Input.Wrapper>
  );
}

/** The spoken language (the guardian's unless changed) and the voice that will speak. */
export function VoiceFields({
  language,
  followsGuardian,
  onLanguage,
  body,
}: {
  language: Language;
  followsGuardian: boolean;
  onLanguage: (language: Language) => void;
  body: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      {body}
      <Group gap="xl" align="flex-end" wrap="wrap">
        <Input.Wrapper
          label={t("compose.voice.language")}
          description={followsGuardian ? t("compose.voice.languageGuardian") : t("compose.voice.languageChosen")}
        >
          <SegmentedControl
            mt={6}
            data-testid="compose-voice-language"
            value={language}
            onChange={(value) => onLanguage(value as Language)}
            data={LANGUAGES.map((lng) => ({
              value: lng,
              label: (
                <span data-testid={`compose-voice-language-${lng}`}>
                  {t(`languageName.${lng}`)}
                </span>
              ),
            }))}
          />
        </Input.Wrapper>
        <Stack gap={2}>
          <Text size="sm" fw={500}>
            {t("compose.voice.voice")}
          </Text>
          <Text size="sm" data-testid="compose-voice">
            <Ltr>{VOICE_OF[language]}</Ltr>
          </Text>
        </Stack>
      </Group>
    </Stack>
  );
}

function PaperclipIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true" style={{ flex: "none" }}>
      <path d="m20 11.5-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8" strokeLinecap="round" />
    </svg>
  );
}

function PhoneIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true" style={{ flex: "none" }}>
      <rect x="7" y="3" width="10" height="18" rx="2" />
      <path d="M11 18h2" strokeLinecap="round" />
    </svg>
  );
}

function CrossIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M6 6l12 12M18 6 6 18" strokeLinecap="round" />
    </svg>
  );
}
