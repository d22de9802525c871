//! Consent per channel: what the guardian answered (or that they have not yet), where the answer
//! came from and who recorded it. Those who may edit contacts change it with a switch, and say
//! where the new answer came from before it is recorded.
import { Badge, Group, Radio, Stack, Switch, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ChannelLabel } from "../../components/ChannelIcon";
import { FormDialog } from "../../components/FormDialog";
import { currentLanguage } from "../../i18n";
import type { ConsentSource, ConsentView, ContactView, MessageChannel } from "../../ipc";
import { CHANNELS } from "../../lib/channels";
import { useFormError } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useCan } from "../auth/session";
import { useSetConsent } from "./queries";
import classes from "./ContactsPage.module.css";

/** What a person at the console may give as the source; STOP replies and imports come by themselves. */
const DESK_SOURCES: readonly ConsentSource[] = ["form", "operator"];

type Change = { channel: MessageChannel; optedIn: boolean };

export function ConsentPanel({ contact, consents }: { contact: ContactView; consents: ConsentView[] }) {
  const { t } = useTranslation();
  const editable = useCan()("contact.edit");
  const [change, setChange] = useState<Change | null>(null);
  const byChannel = new Map(consents.map((c) => [c.channel, c]));

  return (
    <Stack gap="xs">
      <Title order={4} fz="md">
        {t("contacts.consent.title")}
      </Title>
      <Text size="xs" c="dimmed">
        {t("contacts.consent.hint")}
      </Text>
      <ul className={classes.consents} data-testid="consents">
        {CHANNELS.map((channel) => (
          <ConsentRow
            key={channel}
            channel={channel}
            consent={byChannel.get(channel) ?? null}
            editable={editable}
            onChange={(optedIn) => setChange({ channel, optedIn })}
          />
        ))}
      </ul>
      {change && (
        <ConsentDialog
          key={`${change.channel}-${String(change.optedIn)}`}
          contact={contact}
          change={change}
          onClose={() => setChange(null)}
        />
      )}
    </Stack>
  );
}

function ConsentRow({
  channel,
  consent,
  editable,
  onChange,
}: {
  channel: MessageChannel;
  consent: ConsentView | null;
  editable: boolean;
  onChange: (optedIn: boolean) => void;
}) {
  const { t } = useTranslation();
  const state = consent === null ? "none" : consent.optedIn ? "in" : "out";
  const color = state === "in" ? "teal" : state === "out" ? "red" : "gray";
  return (
    <li className={classes.consent}>
      <Group justify="space-between" wrap="nowrap" gap="sm">
        <Group gap="sm" wrap="nowrap">
          <ChannelLabel channel={channel} />
          <Badge size="sm" variant="light" color={color} tt="none" data-testid="consent-state" data-channel={channel} data-state={state}>
            {t(`contacts.consent.state.${state}`)}
          </Badge>
        </Group>
        {editable && (
          <Switch
            data-testid={`consent-${channel}`}
            aria-label={t("contacts.consent.switchLabel", { channel: t(`channel.${channel}`) })}
            checked={consent?.optedIn ?? false}
            onChange={(event) => onChange(event.currentTarget.checked)}
          />
        )}
      </Group>
      {consent && (
        <Text size="xs" c="dimmed" mt={4}>
          {t("contacts.consent.recorded", {
            source: t(`contacts.consent.sources.${consent.source}`, { defaultValue: consent.source }),
            by: consent.changedBy,
            when: formatDateTime(consent.changedAt, currentLanguage()),
          })}
        </Text>
      )}
    </li>
  );
}

function ConsentDialog({ contact, change, onClose }: { contact: ContactView; change: Change; onClose: () => void }) {
  const { t } = useTranslation();
  const setConsent = useSetConsent();
  const form = useFormError();
  const [source, setSource] = useState<ConsentSource | null>(null);
  const [missing, setMissing] = useState(false);
  const channel = t(`channel.${change.channel}`);
  const way = change.optedIn ? "in" : "out";

  return (
    <FormDialog
      opened
      title={t(`contacts.consent.dialog.title_${way}`, { channel })}
      onClose={onClose}
      busy={setConsent.isPending}
      formTestId="consent-form"
      error={form.general}
      errorTestId="consent-form-error"
      submit={t("contacts.consent.dialog.submit")}
      submitTestId="consent-submit"
      onSubmit={() => {
        form.set(null);
        if (source === null) {
          setMissing(true);
          return;
        }
        setConsent.mutate(
          { guardianId: contact.guardianId, channel: change.channel, optedIn: change.optedIn, source },
          { onSuccess: onClose, onError: form.set },
        );
      }}
    >
      <Text size="sm">{t(`contacts.consent.dialog.body_${way}`, { name: contact.name, channel })}</Text>
      <Radio.Group
        label={t("contacts.consent.dialog.source")}
        value={source}
        onChange={(value) => {
          setSource(value as ConsentSource);
          setMissing(false);
        }}
        error={missing ? t("contacts.consent.dialog.sourceRequired") : undefined}
        errorProps={{ "data-testid": "consent-source-error" }}
        withAsterisk
      >
        <Stack gap="xs" mt="xs">
          {DESK_SOURCES.map((s) => (
            <Radio key={s} value={s} label={t(`contacts.consent.dialog.source_${s}`)} data-testid={`consent-source-${s}`} />
          ))}
        </Stack>
      </Radio.Group>
    </FormDialog>
  );
}
