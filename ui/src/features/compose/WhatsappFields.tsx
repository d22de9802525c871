import { Badge, Button, Group, Input, Paper, Select, SimpleGrid, Stack, Text, TextInput, type MantineColor } from "@mantine/core";
import { useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import type { MessagePreview, TemplateStatus, TemplateView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useCan } from "../auth/session";
import { FREE_TEXT, renderPlaceholders, templateKey, usableTemplates, type Draft } from "./draft";
import { useRefreshTemplates, useSimulateReply, useTemplates } from "./queries";
import classes from "./ComposePage.module.css";

const TEMPLATE_STATUS_COLOR: Record<TemplateStatus, MantineColor> = {
  approved: "teal",
  pending: "yellow",
  rejected: "red",
  paused: "orange",
  disabled: "gray",
  unknown: "gray",
};

type Props = {
  draft: Draft;
  onChange: (patch: Partial<Draft>) => void;
  preview: MessagePreview | undefined;
  /** The free-text box, shown only when no template is chosen. */
  body: ReactNode;
  templateError: string | undefined;
  paramsError: string | undefined;
  /** The sandbox can play the guardian and reply, which opens the window. */
  sandbox: boolean;
};

/** An approved template with its values, or free text while the guardian's 24-hour window is open. */
export function WhatsappFields({ draft, onChange, preview, body, templateError, paramsError, sandbox }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const templates = useTemplates(true);
  const refresh = useRefreshTemplates();
  const list = useMemo(() => usableTemplates(templates.data ?? []), [templates.data]);
  const byKey = useMemo(() => new Map(list.map((tpl) => [templateKey(tpl), tpl])), [list]);
  const selected = draft.template === FREE_TEXT ? null : (byKey.get(draft.template) ?? null);

  const data = [
    { value: FREE_TEXT, label: t("compose.whatsapp.freeText") },
    ...list.map((tpl) => ({
      value: templateKey(tpl),
      label: `${tpl.name} · ${languageLabel(tpl.language, t)}`,
      disabled: tpl.status !== "approved",
    })),
  ];

  const loadError = templates.isError ? errorText(templates.error) : refresh.isError ? errorText(refresh.error) : undefined;

  return (
    <Stack gap="md">
      <Stack gap={6}>
        <Select
          data-testid="compose-template"
          label={t("compose.whatsapp.template")}
          description={t("compose.whatsapp.templateHint")}
          data={data}
          value={draft.template}
          allowDeselect={false}
          onChange={(value) => {
            const next = value ?? FREE_TEXT;
            const tpl = byKey.get(next);
            onChange({ template: next, params: Array.from({ length: tpl?.params ?? 0 }, () => "") });
          }}
          renderOption={({ option }) => {
            const tpl = byKey.get(option.value);
            return (
              <Group justify="space-between" wrap="nowrap" w="100%" gap="md" data-testid={`template-option-${option.value}`}>
                <Text size="sm">{option.label}</Text>
                {tpl && <TemplateStatusBadge status={tpl.status} />}
              </Group>
            );
          }}
          error={templateError ?? loadError}
          errorProps={{ "data-testid": "compose-template-error" }}
          comboboxProps={{ shadow: "md" }}
          maxDropdownHeight={320}
        />
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Group gap="xs">
            {selected && <TemplateStatusBadge status={selected.status} />}
            {selected?.category && (
              <Badge variant="outline" color="gray" size="sm">
                <Ltr>{selected.category}</Ltr>
              </Badge>
            )}
          </Group>
          <Button
            variant="subtle"
            size="compact-sm"
            data-testid="compose-templates-refresh"
            loading={refresh.isPending}
            onClick={() => refresh.mutate()}
          >
            {t("compose.whatsapp.refresh")}
          </Button>
        </Group>
      </Stack>

      {selected && <TemplateFill template={selected} draft={draft} onChange={onChange} preview={preview} error={paramsError} />}
      {!selected && body}

      <WindowState preview={preview} sandbox={sandbox} freeText={selected === null} />
    </Stack>
  );
}

function TemplateFill({
  template,
  draft,
  onChange,
  preview,
  error,
}: {
  template: TemplateView;
  draft: Draft;
  onChange: (patch: Partial<Draft>) => void;
  preview: MessagePreview | undefined;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  // The backend's rendering once every value is there; until then, the values typed so far.
  const rendered = preview?.rendered ?? renderPlaceholders(template.body, draft.params);
  return (
    <Stack gap="sm" data-testid="compose-template-fill">
      {template.params > 0 && (
        <Input.Wrapper
          label={t("compose.whatsapp.params")}
          description={t("compose.whatsapp.paramsHint")}
          error={error}
          errorProps={{ "data-testid": "compose-params-error" }}
          inputWrapperOrder={["label", "description", "input", "error"]}
        >
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" mt={6}>
            {Array.from({ length: template.params }, (_, i) => (
              <TextInput
                key={i}
                data-testid={`compose-param-${i + 1}`}
                label={t("compose.whatsapp.param", { n: i + 1 })}
                value={draft.params[i] ?? ""}
                onChange={(event) => {
                  const params = Array.from({ length: template.params }, (_, j) => draft.params[j] ?? "");
                  params[i] = event.currentTarget.value;
                  onChange({ params });
                }}
                error={Boolean(error) && !(draft.params[i] ?? "").trim()}
                dir="auto"
              />
            ))}
          </SimpleGrid>
        </Input.Wrapper>
      )}
      <div>
        <Text size="sm" fw={500} mb={6}>
          {t("compose.whatsapp.rendered")}
        </Text>
        <div className={classes.waChat}>
          <p className={classes.waBubble} dir="auto" data-testid="compose-rendered">
            {rendered}
          </p>
        </div>
      </div>
    </Stack>
  );
}

/** Whether free text may go to this number now, and a way to open the window in the sandbox. */
function WindowState({ preview, sandbox, freeText }: { preview: MessagePreview | undefined; sandbox: boolean; freeText: boolean }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const reply = useSimulateReply();
  const can = useCan();
  const state = preview?.window ?? null;
  const number = preview?.normalized ?? null;

  if (!state || !number) {
    return (
      <Text size="xs" c="dimmed" data-testid="compose-window" data-open="unknown">
        {t("compose.whatsapp.windowUnknown")}
      </Text>
    );
  }
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      className={classes.window}
      data-open={state.open}
      data-testid="compose-window"
    >
      <Group justify="space-between" gap="sm" wrap="wrap">
        <Stack gap={2} style={{ flex: 1, minInlineSize: "14rem" }}>
          <Text size="sm" fw={500}>
            {state.open ? t("compose.whatsapp.windowOpen") : t("compose.whatsapp.windowClosed")}
          </Text>
          <Text size="xs" c="dimmed">
            {state.open && state.closesAt
              ? t("compose.whatsapp.windowOpenUntil", { when: formatDateTime(state.closesAt, currentLanguage()) })
              : freeText
                ? t("compose.whatsapp.windowClosedUseTemplate")
                : t("compose.whatsapp.windowClosedHint")}
          </Text>
        </Stack>
        {sandbox && can("sandbox.use") && (
          <Button
            size="xs"
            variant="light"
            color="green"
            data-testid="compose-simulate-reply"
            loading={reply.isPending}
            onClick={() => reply.mutate({ channel: "whatsapp", from: number, text: t("compose.whatsapp.replyText"), provider: null })}
          >
            {t("compose.whatsapp.simulateReply")}
          </Button>
        )}
      </Group>
      {reply.isError && (
        <Text size="xs" c="red" mt={6} data-testid="compose-simulate-reply-error">
          {errorText(reply.error)}
        </Text>
      )}
    </Paper>
  );
}

export function TemplateStatusBadge({ status }: { status: TemplateStatus }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" variant="light" color={TEMPLATE_STATUS_COLOR[status]} data-testid="template-status" data-status={status}>
      {t(`templateStatus.${status}`)}
    </Badge>
  );
}

/** `ar`, `en`, `en_US` → the language's name; anything else as it is. */
function languageLabel(code: string, t: (key: string, options?: Record<string, unknown>) => string): string {
  const base = code.split(/[_-]/)[0];
  return base === "ar" || base === "en" ? t(`languageName.${base}`) : code;
}
