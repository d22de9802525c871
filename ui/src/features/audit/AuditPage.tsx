import { Alert, Button, Group, Paper, Stack, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import { toErrorPayload, type AuditVerification } from "../../ipc";
import { paramField, useErrorText } from "../../lib/errors";
import { formatNumber } from "../../lib/format";
import { useSession } from "../auth/session";
import { AuditFilters } from "./AuditFilters";
import { AuditTable } from "./AuditTable";
import { NO_FILTER, toInput, useAuditEntries, useExportAudit, useVerifyAudit, type AuditFilter } from "./queries";
import classes from "./AuditPage.module.css";

/** Who did what, when and from where: filtered, a page at a time, exported, its chain checked. */
export function AuditPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { can } = useSession();
  const [applied, setApplied] = useState<AuditFilter>(NO_FILTER);
  const input = useMemo(() => toInput(applied), [applied]);
  const entries = useAuditEntries(input);
  const exporter = useExportAudit();
  const verify = useVerifyAudit();
  const rows = useMemo(() => entries.data?.pages.flat() ?? [], [entries.data]);
  const loadError = entries.isError ? toErrorPayload(entries.error) : null;
  const filterError = loadError && paramField(loadError) ? loadError : null;

  return (
    <Stack gap={0}>
      <PageHeader
        title={t("audit.title")}
        subtitle={t("audit.subtitle")}
        actions={
          <Group gap="sm">
            {can("audit.verify") && (
              <Button variant="default" loading={verify.isPending} onClick={() => verify.mutate()} data-testid="audit-verify">
                {t("audit.verify.button")}
              </Button>
            )}
            {can("audit.export") && (
              <Button
                loading={exporter.isPending}
                data-testid="audit-export"
                onClick={() => exporter.mutate(input)}
              >
                {t("audit.export.button")}
              </Button>
            )}
          </Group>
        }
      />
      {verify.data && <VerifyResult result={verify.data} onClose={() => verify.reset()} />}
      {verify.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" data-testid="audit-verify-error">
          {errorText(verify.error)}
        </Alert>
      )}
      {exporter.data && (
        <Alert
          color="teal"
          variant="light"
          radius="md"
          mb="lg"
          title={t("audit.export.savedTitle")}
          withCloseButton
          onClose={() => exporter.reset()}
          data-testid="audit-export-saved"
        >
          <span dir="ltr">{exporter.data.path}</span>
        </Alert>
      )}
      {exporter.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("audit.export.failed")} data-testid="audit-export-error">
          {errorText(exporter.error)}
        </Alert>
      )}
      <Paper withBorder shadow="xs" p="lg" mb="lg">
        <AuditFilters applied={applied} onApply={setApplied} error={filterError} />
      </Paper>
      {loadError && !filterError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")} data-testid="audit-load-error">
          {errorText(loadError)}
        </Alert>
      )}
      <Paper withBorder shadow="xs" className={classes.table}>
        {entries.isPending ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Text c="dimmed" ta="center" p="xl" data-testid="audit-empty">
            {t("audit.empty")}
          </Text>
        ) : (
          <AuditTable entries={rows} />
        )}
      </Paper>
      {entries.hasNextPage && (
        <Group justify="center" mt="md">
          <Button variant="default" loading={entries.isFetchingNextPage} onClick={() => void entries.fetchNextPage()} data-testid="audit-more">
            {t("audit.more")}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** "Intact: 1,204 rows" or "broken at row 57: a row was edited after it was written". */
function VerifyResult({ result, onClose }: { result: AuditVerification; onClose: () => void }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  const rows = formatNumber(result.checked ?? 0, language);
  return (
    <Alert
      color={result.intact ? "teal" : "red"}
      variant="light"
      radius="md"
      mb="lg"
      title={result.intact ? t("audit.verify.intactTitle") : t("audit.verify.brokenTitle")}
      data-testid="audit-verify-result"
      data-intact={result.intact}
      withCloseButton
      closeButtonLabel={t("common.close")}
      onClose={onClose}
    >
      {result.intact
        ? t("audit.verify.intact", { rows })
        : t("audit.verify.broken", {
            seq: formatNumber(result.brokenAt ?? 0, language),
            problem: t(`audit.verify.problems.${result.problem ?? "unknown"}`),
            rows,
          })}
    </Alert>
  );
}
