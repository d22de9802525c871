import { Alert, Badge, Group, Loader, Stack, Text, type MantineColor } from "@mantine/core";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { currentLanguage } from "../../i18n";
import type { AttemptView, Language } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime, formatNumber } from "../../lib/format";
import { ProviderName } from "./ProviderName";
import { useAttempts } from "./queries";
import classes from "./MessagesPage.module.css";

const CLASS_COLOR: Record<string, MantineColor> = { retryable: "orange", failover: "grape", permanent: "red" };

/** Every call to a provider for this message: when, to whom, how long, and what came back. */
export function AttemptsList({ id }: { id: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const attempts = useAttempts(id);
  const rows = attempts.data ?? [];

  return (
    <Stack gap="xs">
      <Text size="sm" fw={600}>
        {t("attempts.title")}
      </Text>
      {attempts.isPending ? (
        <Loader size="xs" />
      ) : attempts.isError ? (
        <Alert color="red" variant="light">
          {errorText(attempts.error)}
        </Alert>
      ) : rows.length === 0 ? (
        <Text size="xs" c="dimmed" data-testid="attempts">
          {t("attempts.empty")}
        </Text>
      ) : (
        <ol className={classes.attempts} data-testid="attempts">
          {rows.map((a) => (
            <AttemptRow key={a.attemptNo} attempt={a} />
          ))}
        </ol>
      )}
    </Stack>
  );
}

function AttemptRow({ attempt: a }: { attempt: AttemptView }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const accepted = a.outcome === "accepted";
  const facts = [
    a.latencyMs !== null ? t("attempts.latency", { value: latency(a.latencyMs, language, t) }) : null,
    a.httpStatus !== null ? t("attempts.http", { status: a.httpStatus }) : null,
    a.providerErrorCode ? t("attempts.providerCode", { code: a.providerErrorCode }) : null,
  ].filter((fact): fact is string => fact !== null);

  return (
    <li className={classes.attempt} data-testid="attempt-row" data-outcome={a.outcome}>
      <span className={classes.attemptNo} aria-label={t("attempts.number", { n: a.attemptNo })}>
        {formatNumber(a.attemptNo, language)}
      </span>
      <Stack gap={2} className={classes.attemptBody}>
        <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
          <Text size="xs" fw={500}>
            {/* Isolated, so a Latin name does not pull the date's digits into its own direction. */}
            <bdi>
              <ProviderName id={a.provider} />
            </bdi>
            <Text span size="xs" c="dimmed">
              {" · "}
              {formatDateTime(a.startedAt, language, { seconds: true })}
            </Text>
          </Text>
          <Badge
            size="sm"
            variant="light"
            color={accepted ? "teal" : (CLASS_COLOR[a.errorClass ?? ""] ?? "red")}
            data-testid="attempt-result"
          >
            {accepted ? t("attempts.outcome.accepted") : resultLabel(a, t)}
          </Badge>
        </Group>
        {facts.length > 0 && (
          <Text size="xs" c="dimmed">
            {facts.join(" · ")}
          </Text>
        )}
      </Stack>
    </li>
  );
}

function resultLabel(a: AttemptView, t: TFunction): string {
  if (a.errorClass && ["retryable", "failover", "permanent"].includes(a.errorClass)) {
    return t(`attempts.errorClass.${a.errorClass}`);
  }
  return t("attempts.outcome.error");
}

function latency(ms: number, language: Language, t: TFunction): string {
  if (ms < 1000) return t("attempts.ms", { value: formatNumber(ms, language) });
  return t("attempts.seconds", { value: formatNumber(Math.round(ms / 100) / 10, language) });
}
