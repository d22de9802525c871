import { Alert, type MantineSpacing } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** Something was done (saved, created, changed): said once, closed by the person or by the next edit. */
export function Notice({ testId, onClose, mb, children }: { testId: string; onClose: () => void; mb?: MantineSpacing; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="teal"
      variant="light"
      radius="md"
      mb={mb}
      data-testid={testId}
      withCloseButton
      closeButtonLabel={t("common.close")}
      onClose={onClose}
    >
      {children}
    </Alert>
  );
}
