import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Collapse,
  Group,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
  type MantineColor,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ChannelIcon } from "../../components/ChannelIcon";
import { CHANNELS } from "../../lib/channels";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import { toErrorPayload, type ErrorPayload, type MessageChannel, type ProviderCheckView, type ProviderFieldView, type ProviderView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatNumber, formatRiyals } from "../../lib/format";
import { ProviderName } from "../messages/ProviderName";
import { useClearProvider, useFailoverOrder, useProviders, useSaveProvider, useSendProviderTest, useTestProvider } from "./queries";
import { useSession } from "../auth/session";
import classes from "./SettingsPage.module.css";

const CIRCUIT_COLOR: Record<string, MantineColor> = { closed: "teal", open: "red", halfOpen: "yellow" };

/** Every provider by channel, in failover order, each with its credentials, limits and checks. */
export function ProvidersSettings() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const providers = useProviders();
  const order = useFailoverOrder();

  if (providers.isError) {
    return (
      <Alert color="red" variant="light" radius="md" title={t("common.loadFailed")} data-testid="providers-settings">
        {errorText(providers.error)}
      </Alert>
    );
  }
  if (!providers.data) return <Skeleton h="24rem" data-testid="providers-loading" />;
  const list = providers.data;

  const move = (channel: MessageChannel, id: string, step: -1 | 1) => {
    const ids = list
      .filter((p) => p.channel === channel)
      .sort((a, b) => a.position - b.position)
      .map((p) => p.id);
    const from = ids.indexOf(id);
    const to = from + step;
    if (from < 0 || to < 0 || to >= ids.length) return;
    [ids[from], ids[to]] = [ids[to], ids[from]];
    order.mutate({ channel, ids });
  };

  return (
    <Stack gap="lg" data-testid="providers-settings">
      <Text size="sm" c="dimmed">
        {t("settings.providers.description")}
      </Text>
      {order.isError && (
        <Alert color="red" variant="light" radius="md" data-testid="providers-order-error">
          {errorText(order.error)}
        </Alert>
      )}
      {CHANNELS.map((channel) => {
        const members = list.filter((p) => p.channel === channel).sort((a, b) => a.position - b.position);
        if (members.length === 0) return null;
        return (
          <Paper key={channel} withBorder shadow="xs" p="lg" data-testid="providers-channel" data-channel={channel}>
            <Group gap="sm" mb={4}>
              <ChannelIcon channel={channel} size={22} />
              <Title order={3} fz="md">
                {t(`channel.${channel}`)}
              </Title>
            </Group>
            <Text size="sm" c="dimmed" mb="md">
              {members.length > 1 ? t("settings.providers.orderHint") : t("settings.providers.singleHint")}
            </Text>
            <Stack gap="sm">
              {members.map((p, i) => (
                <ProviderCard
                  key={p.id}
                  provider={p}
                  first={i === 0}
                  last={i === members.length - 1}
                  moving={order.isPending}
                  onMove={(step) => move(channel, p.id, step)}
                />
              ))}
            </Stack>
          </Paper>
        );
      })}
    </Stack>
  );
}

type Notice = "saved" | "cleared" | null;
type Check = { kind: "test" | "send"; view: ProviderCheckView } | null;

function ProviderCard({
  provider: p,
  first,
  last,
  moving,
  onMove,
}: {
  provider: ProviderView;
  first: boolean;
  last: boolean;
  moving: boolean;
  onMove: (step: -1 | 1) => void;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [revision, setRevision] = useState(0);
  const [check, setCheck] = useState<Check>(null);
  const test = useTestProvider();
  const name = t(`providers.${p.id}`, { defaultValue: p.id });
  // Courtesy only (the core refuses anyway): an auditor sees the providers, changes and tests none.
  const { can } = useSession();
  const manage = can("provider.manage");

  return (
    <div className={classes.provider} data-testid="provider-card" data-provider={p.id} data-position={p.position}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="sm">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <span className={classes.position} aria-label={t("settings.providers.position", { n: p.position + 1 })}>
            {formatNumber(p.position + 1, language)}
          </span>
          <Stack gap={4}>
            <Group gap="xs">
              <Text fw={600}>
                <bdi>
                  <ProviderName id={p.id} />
                </bdi>
              </Text>
              <Badge
                size="sm"
                variant="light"
                color={p.configured ? "teal" : "yellow"}
                data-testid="provider-state"
                data-configured={p.configured}
              >
                {p.configured ? t("settings.providers.configured") : t("settings.providers.standIn")}
              </Badge>
              {p.circuit && (
                <Badge
                  size="sm"
                  variant="outline"
                  color={CIRCUIT_COLOR[p.circuit] ?? "gray"}
                  data-testid="provider-circuit"
                  data-circuit={p.circuit}
                  title={t("settings.providers.circuitHint")}
                >
                  {t(`settings.providers.circuit.${p.circuit}`, { defaultValue: p.circuit })}
                </Badge>
              )}
            </Group>
            <Text size="xs" c="dimmed">
              {t("settings.providers.limits", {
                rate: formatNumber(p.ratePerSec, language),
                price: formatRiyals(p.unitPriceHalalas, language),
              })}
            </Text>
          </Stack>
        </Group>
        {manage && (
        <Group gap={4} wrap="nowrap">
          <ActionIcon
            variant="default"
            aria-label={t("settings.providers.moveUp", { name })}
            title={t("settings.providers.moveUp", { name })}
            disabled={first || moving}
            onClick={() => onMove(-1)}
            data-testid="provider-up"
          >
            <ArrowIcon up />
          </ActionIcon>
          <ActionIcon
            variant="default"
            aria-label={t("settings.providers.moveDown", { name })}
            title={t("settings.providers.moveDown", { name })}
            disabled={last || moving}
            onClick={() => onMove(1)}
            data-testid="provider-down"
          >
            <ArrowIcon />
          </ActionIcon>
        </Group>
        )}
      </Group>

      <Group gap="xs" mt="sm">
        {manage && (
          <Button
            size="xs"
            variant={open ? "light" : "default"}
            onClick={() => setOpen((o) => !o)}
            aria-expanded={open}
            data-testid="provider-edit"
          >
            {t("settings.providers.edit")}
          </Button>
        )}
        {can("provider.test") && (
          <Button
            size="xs"
            variant="default"
            loading={test.isPending}
            data-testid="provider-test"
            onClick={() => {
              setCheck(null);
              test.mutate(p.id, { onSuccess: (view) => setCheck({ kind: "test", view }) });
            }}
          >
            {t("settings.providers.test")}
          </Button>
        )}
      </Group>

      {test.isError && (
        <Alert color="red" variant="light" radius="md" mt="sm" data-testid="provider-check-result" data-ok="false">
          {errorText(test.error)}
        </Alert>
      )}
      {check && <CheckResult check={check} onClose={() => setCheck(null)} />}
      {notice && (
        <Alert
          color="teal"
          variant="light"
          radius="md"
          mt="sm"
          data-testid="provider-notice"
          withCloseButton
          closeButtonLabel={t("common.close")}
          onClose={() => setNotice(null)}
        >
          {notice === "saved" ? t("settings.providers.saved", { name }) : t("settings.providers.cleared", { name })}
        </Alert>
      )}

      <Collapse expanded={open}>
        <Stack gap="md" pt="md">
          <ProviderForm
            // A save or a clear starts from what the backend kept; an error keeps what was typed.
            key={`${revision}|${savedSignature(p)}`}
            provider={p}
            onDone={(n) => {
              setNotice(n);
              setRevision((r) => r + 1);
            }}
            onEdit={() => setNotice(null)}
          />
          {can("provider.test") && <SendTest provider={p} onResult={(view) => setCheck({ kind: "send", view })} />}
        </Stack>
      </Collapse>
    </div>
  );
}

/** Which input a save error belongs to (`null`: a general alert). */
function fieldOf(error: ErrorPayload | null, provider: ProviderView): string | null {
  if (!error) return null;
  const has = (key: string) => provider.fields.some((f) => f.key === key);
  switch (error.code) {
    case "provider.field_required":
    case "provider.field_invalid":
      return error.params.field ?? null;
    case "credentials.account_sid_invalid":
      return "account_sid";
    case "credentials.from_invalid":
      return has("from") ? "from" : "sender";
    case "email.invalid":
      return has("from_address") ? "from_address" : null;
    default:
      return null;
  }
}

function ProviderForm({
  provider: p,
  onDone,
  onEdit,
}: {
  provider: ProviderView;
  onDone: (notice: Notice) => void;
  onEdit: () => void;
}) {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const save = useSaveProvider();
  const clear = useClearProvider();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(p.fields.map((f) => [f.key, f.secret ? "" : (f.value ?? "")])),
  );
  const [rate, setRate] = useState<number | string>(p.ratePerSec);
  const [price, setPrice] = useState<number | string>(p.unitPriceHalalas);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [confirming, setConfirming] = useState(false);
  const field = fieldOf(error, p);
  const fieldError = (key: string) => (field === key && error ? errorText(error) : undefined);
  const name = t(`providers.${p.id}`, { defaultValue: p.id });

  const edit = (key: string, value: string | number) => {
    onEdit();
    if (field === key) setError(null);
    if (key === "rate_per_sec") setRate(value);
    else if (key === "unit_price_halalas") setPrice(value);
    else setValues((v) => ({ ...v, [key]: String(value) }));
  };

  const numberProps = {
    allowNegative: false,
    allowDecimal: false,
    clampBehavior: "none" as const,
    dir: "ltr",
    classNames: { input: classes.ltrInput },
  };

  const input = (f: ProviderFieldView) => {
    const help = `providerFields.${f.key}.help`;
    const common = {
      "data-testid": `provider-field-${f.key}`,
      label: <FieldLabel field={f} />,
      description: i18n.exists(help) ? t(help) : undefined,
      value: values[f.key] ?? "",
      error: fieldError(f.key),
      errorProps: { "data-testid": `provider-field-${f.key}-error` },
      withAsterisk: f.required && !(f.secret && f.set),
      placeholder: f.secret && f.set ? t("settings.providers.keepSaved") : undefined,
      autoComplete: "off",
      spellCheck: false,
    };
    if (f.multiline) {
      return (
        <Textarea
          key={f.key}
          {...common}
          onChange={(e) => edit(f.key, e.currentTarget.value)}
          dir="ltr"
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: "var(--mantine-font-size-xs)" } }}
          autosize
          minRows={3}
          maxRows={10}
        />
      );
    }
    if (f.secret) {
      return <PasswordInput key={f.key} {...common} onChange={(e) => edit(f.key, e.currentTarget.value)} autoComplete="new-password" />;
    }
    return (
      <TextInput
        key={f.key}
        {...common}
        onChange={(e) => edit(f.key, e.currentTarget.value)}
        dir="ltr"
        classNames={{ input: classes.ltrInput }}
      />
    );
  };

  return (
    <form
      noValidate
      data-testid="provider-form"
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        onEdit();
        save.mutate(
          {
            id: p.id,
            fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()])),
            ratePerSec: wholeOrNull(rate),
            unitPriceHalalas: wholeOrNull(price),
          },
          { onSuccess: () => onDone("saved"), onError: (e) => setError(toErrorPayload(e)) },
        );
      }}
    >
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          {p.fields.filter((f) => !f.multiline).map(input)}
        </SimpleGrid>
        {p.fields.filter((f) => f.multiline).map(input)}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <NumberInput
            {...numberProps}
            data-testid="provider-rate"
            label={t("settings.providers.rate")}
            description={t("settings.providers.rateHint")}
            value={rate}
            min={1}
            onChange={(v) => edit("rate_per_sec", v)}
            error={fieldError("rate_per_sec")}
            errorProps={{ "data-testid": "provider-rate-error" }}
          />
          <NumberInput
            {...numberProps}
            data-testid="provider-price"
            label={t("settings.providers.price")}
            description={t("settings.providers.priceHint", {
              value: formatRiyals(typeof price === "number" ? price : Number.parseInt(price, 10) || 0, language),
            })}
            value={price}
            min={0}
            onChange={(v) => edit("unit_price_halalas", v)}
            error={fieldError("unit_price_halalas")}
            errorProps={{ "data-testid": "provider-price-error" }}
          />
        </SimpleGrid>

        {error && !field && (
          <Alert color="red" variant="light" radius="md" title={t("settings.providers.errorTitle")} data-testid="provider-error">
            {errorText(error)}
          </Alert>
        )}
        {clear.isError && (
          <Alert color="red" variant="light" radius="md" data-testid="provider-clear-error">
            {errorText(clear.error)}
          </Alert>
        )}

        <Group justify="space-between" wrap="wrap" gap="sm">
          {p.configured ? (
            <Button
              variant="subtle"
              color="red"
              data-testid="provider-clear"
              disabled={save.isPending}
              loading={clear.isPending}
              onClick={() => setConfirming(true)}
            >
              {t("settings.providers.clear")}
            </Button>
          ) : (
            <span />
          )}
          <Button type="submit" data-testid="provider-save" loading={save.isPending} disabled={clear.isPending}>
            {t("settings.providers.save")}
          </Button>
        </Group>
      </Stack>

      <Modal
        opened={confirming}
        onClose={() => {
          if (!clear.isPending) setConfirming(false);
        }}
        title={t("settings.providers.clearTitle", { name })}
        centered
        styles={{ title: { fontWeight: 700 } }}
        closeButtonProps={{ "aria-label": t("common.close") }}
      >
        <Stack gap="md" data-testid="provider-clear-modal">
          <Text size="sm">{t("settings.providers.clearBody", { name })}</Text>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setConfirming(false)} disabled={clear.isPending}>
              {t("actions.back")}
            </Button>
            <Button
              color="red"
              loading={clear.isPending}
              data-testid="provider-clear-confirm"
              onClick={() =>
                clear.mutate(p.id, {
                  onSuccess: () => onDone("cleared"),
                  onSettled: () => setConfirming(false),
                })
              }
            >
              {t("settings.providers.clearConfirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </form>
  );
}

/** The field's name, and "saved" beside a secret the keychain already holds. */
function FieldLabel({ field: f }: { field: ProviderFieldView }) {
  const { t } = useTranslation();
  return (
    <>
      {t(`providerFields.${f.key}.label`, { defaultValue: f.key })}
      {f.secret && f.set && (
        <Badge component="span" size="xs" variant="light" color="teal" ms={6} data-testid={`provider-field-${f.key}-saved`}>
          {t("settings.providers.secretSaved")}
        </Badge>
      )}
    </>
  );
}

/** "Send a test": one message through this provider only, to an address typed here. */
function SendTest({ provider: p, onResult }: { provider: ProviderView; onResult: (view: ProviderCheckView) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const send = useSendProviderTest();
  const [to, setTo] = useState("");
  const [error, setError] = useState<ErrorPayload | null>(null);
  // Address errors belong at the address; anything else is a general failure.
  const atField = error && /^(phone|email|push)\./.test(error.code);

  return (
    <form
      noValidate
      className={classes.sendTest}
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        send.mutate({ id: p.id, to }, { onSuccess: onResult, onError: (e) => setError(toErrorPayload(e)) });
      }}
    >
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          data-testid="provider-test-to"
          label={t("settings.providers.sendTestTo")}
          description={t(`settings.providers.sendTestHint_${p.channel}`)}
          placeholder={t(`settings.providers.sendTestPlaceholder_${p.channel}`)}
          value={to}
          onChange={(e) => {
            setTo(e.currentTarget.value);
            if (atField) setError(null);
          }}
          error={atField && error ? errorText(error) : undefined}
          errorProps={{ "data-testid": "provider-test-to-error" }}
          dir="ltr"
          inputMode={p.channel === "email" ? "email" : p.channel === "push" ? "text" : "tel"}
          classNames={{ input: classes.ltrInput }}
          style={{ flex: 1, minInlineSize: "14rem" }}
        />
        <Button type="submit" variant="light" loading={send.isPending} data-testid="provider-send-test">
          {t("settings.providers.sendTest")}
        </Button>
      </Group>
      {error && !atField && (
        <Alert color="red" variant="light" radius="md" mt="sm" data-testid="provider-send-test-error">
          {errorText(error)}
        </Alert>
      )}
    </form>
  );
}

/** The result in words: what came back, how long it took, and whether it was the simulator. */
function CheckResult({ check, onClose }: { check: NonNullable<Check>; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const { view, kind } = check;
  const facts = [
    t("settings.providers.latency", { ms: formatNumber(view.latencyMs, language) }),
    view.sandbox ? t("settings.providers.sandboxNote") : null,
  ].filter((fact): fact is string => fact !== null);
  return (
    <Alert
      color={view.ok ? "teal" : "red"}
      variant="light"
      radius="md"
      mt="sm"
      data-testid="provider-check-result"
      data-ok={view.ok}
      data-kind={kind}
      data-sandbox={view.sandbox}
      title={
        view.ok
          ? t(kind === "test" ? "settings.providers.testOk" : "settings.providers.sendOk")
          : t(kind === "test" ? "settings.providers.testFailed" : "settings.providers.sendFailed")
      }
      withCloseButton
      closeButtonLabel={t("common.close")}
      onClose={onClose}
    >
      <Stack gap={2}>
        {view.ok && view.detail && (
          <Text size="sm" data-testid="provider-check-detail">
            <Ltr>{view.detail}</Ltr>
          </Text>
        )}
        {!view.ok && view.error && (
          <Text size="sm" data-testid="provider-check-error">
            {errorText(view.error)}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {facts.join(" · ")}
        </Text>
      </Stack>
    </Alert>
  );
}

/** What the backend holds for a provider: a change (a save, a clear) starts the form afresh. */
function savedSignature(p: ProviderView): string {
  return JSON.stringify([p.configured, p.ratePerSec, p.unitPriceHalalas, p.fields.map((f) => [f.key, f.value, f.set])]);
}

function wholeOrNull(value: number | string): number | null {
  const n = typeof value === "number" ? value : Number.parseInt(value, 10);
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : null;
}

function ArrowIcon({ up = false }: { up?: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d={up ? "M12 19V5M6 11l6-6 6 6" : "M12 5v14M6 13l6 6 6-6"} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
