import { Group, Loader, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** A list or table still waiting for its first answer. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <Group justify="center" p="xl">
      <Loader size="sm" />
      <Text c="dimmed" size="sm">
        {t("common.loading")}
      </Text>
    </Group>
  );
}
