import { Group, Select, Stack, Text, type ComboboxParsedItem, type OptionsFilter } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { ipc, queryKeys, type GuardianView, type MessageChannel } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatNumber } from "../../lib/format";
import { currentLanguage } from "../../i18n";

type Props = {
  /** What the options show beside the name: the number, the email or the device count. */
  channel: MessageChannel;
  value: string | null;
  onPick: (guardian: GuardianView | null) => void;
  /** Push goes to the guardian's devices, so a guardian must be picked. */
  required?: boolean;
  error?: string;
};

export function GuardianPicker({ channel, value, onPick, required = false, error }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const guardians = useQuery({ queryKey: queryKeys.guardians, queryFn: ipc.listGuardians, staleTime: 60_000 });
  const byId = useMemo(() => new Map((guardians.data ?? []).map((g) => [g.id, g])), [guardians.data]);
  const data = useMemo(() => (guardians.data ?? []).map((g) => ({ value: g.id, label: g.name })), [guardians.data]);

  // Reception staff search by the guardian, the child or the number, in any form.
  const filter: OptionsFilter = ({ options, search }) => {
    const needle = normalise(search);
    if (!needle) return options;
    const digits = /^\d+$/.test(needle) ? needle.replace(/^(00966|966|0)/, "") : null;
    return (options as ComboboxParsedItem[]).filter((option) => {
      if (!("value" in option)) return false;
      const g = byId.get(option.value);
      if (!g) return false;
      if (digits && g.phone.replace(/\D/g, "").includes(digits)) return true;
      return [g.name, g.beneficiaryName ?? "", g.email ?? ""].some((field) => normalise(field).includes(needle));
    });
  };

  return (
    <Select
      data-testid="guardian-picker"
      label={t("compose.guardian.label")}
      placeholder={t("compose.guardian.placeholder")}
      nothingFoundMessage={t("compose.guardian.nothingFound")}
      data={data}
      value={value}
      onChange={(id) => onPick(id ? (byId.get(id) ?? null) : null)}
      searchable
      clearable
      // Type part of a name or number, then Enter picks the first match.
      selectFirstOptionOnChange
      filter={filter}
      maxDropdownHeight={320}
      error={error ?? (guardians.isError ? errorText(guardians.error) : undefined)}
      errorProps={{ "data-testid": "guardian-picker-error" }}
      withAsterisk={required}
      comboboxProps={{ shadow: "md" }}
      renderOption={({ option }) => {
        const g = byId.get(option.value);
        if (!g) return option.label;
        return (
          <Group justify="space-between" wrap="nowrap" w="100%" gap="md" data-testid="guardian-option" data-id={g.id}>
            <Stack gap={0}>
              <Text size="sm" fw={500}>
                {g.name}
              </Text>
              {g.beneficiaryName && (
                <Text size="xs" c="dimmed">
                  {t("compose.guardian.beneficiary", { name: g.beneficiaryName })}
                </Text>
              )}
            </Stack>
            <Text size="xs" c="dimmed">
              <GuardianAddress guardian={g} channel={channel} />
            </Text>
          </Group>
        );
      }}
    />
  );
}

function GuardianAddress({ guardian: g, channel }: { guardian: GuardianView; channel: MessageChannel }) {
  const { t } = useTranslation();
  if (channel === "email") return g.email ? <Ltr>{g.email}</Ltr> : <>{t("compose.guardian.noEmail")}</>;
  if (channel === "push") return <>{t("compose.guardian.devices", { count: formatNumber(g.devices, currentLanguage()) })}</>;
  return <Ltr>{g.phoneDisplay}</Ltr>;
}

/** Case, spacing, Arabic diacritics and letter variants (أ/إ/آ, ة/ه, ى/ي) do not matter in a search. */
function normalise(text: string): string {
  return text
    .toLocaleLowerCase()
    .replace(/[\u064B-\u0652\u0640]/g, "")
    .replace(/[أإآ]/g, "ا")
    .replace(/ة/g, "ه")
    .replace(/ى/g, "ي")
    .replace(/[\s\-+()]/g, "");
}
