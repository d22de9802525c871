import { Badge, Collapse, SimpleGrid, Stack, Switch, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { currentLanguage } from "../../i18n";
import { formatDateTime, formatHijri } from "../../lib/format";
import { zonedInputToUtc } from "../../lib/zonedTime";
import classes from "./ComposePage.module.css";

export type ScheduleField = "sendAt" | "expiresAt";

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
export function SchedulingSection(props: SchedulingProps) {
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

