import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { MessageStatus } from "../../ipc";
import { STATUS_COLOR } from "./status";

export function StatusBadge({ status, testId }: { status: MessageStatus; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" size="md" data-testid={testId} data-status={status} tt="none">
      {t(`status.${status}`)}
    </Badge>
  );
}
