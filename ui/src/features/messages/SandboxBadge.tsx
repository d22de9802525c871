import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** Marks a message that went to the simulator, so nobody mistakes it for a real delivery. */
export function SandboxBadge() {
  const { t } = useTranslation();
  return (
    <Badge color="yellow" variant="outline" size="sm" title={t("messages.sandboxHint")} data-testid="message-sandbox">
      {t("messages.sandbox")}
    </Badge>
  );
}
