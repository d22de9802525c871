import { Badge, List, Paper, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import type { Language, MessageChannel, MessagePreview } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatBytes, formatNumber, formatRiyals } from "../../lib/format";
import { ProviderName } from "../messages/ProviderName";
import { VOICE_OF, type Draft } from "./draft";
import classes from "./ComposePage.module.css";

type Props = {
  channel: MessageChannel;
  /** The backend's preview of this channel's draft (`undefined` until it answers). */
  preview: MessagePreview | undefined;
  draft: Draft;
  voiceLanguage: Language;
};

/** What the desk should know before pressing Send: the address as used, size, cost, problems. */
export function PreviewCard({ channel, preview, draft, voiceLanguage }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const language = currentLanguage();
  const number = (value: number | undefined) => formatNumber(value ?? 0, language);
  const sms = preview?.sms ?? null;
  const problems = preview?.problems ?? [];

  const address =
    channel === "push" ? null : (
      <Fact label={t(channel === "email" ? "compose.preview.email" : "compose.preview.normalized")}>
        {preview?.normalized ? (
          <Ltr testId="compose-normalized">{preview.normalized}</Ltr>
        ) : (
          <span data-testid="compose-normalized">{t("common.none")}</span>
        )}
      </Fact>
    );

  return (
    <Paper withBorder p="lg" shadow="xs" className={classes.preview} data-testid="compose-preview" data-channel={channel}>
      <Title order={3} fz="md" mb="md">
        {t("compose.preview.title")}
      </Title>
      <dl className={classes.facts}>
        {address}
        {channel === "sms" && (
          <>
            <Fact label={t("compose.preview.encoding")}>
              <Badge variant="light" color={sms?.encoding === "ucs2" ? "blue" : "gray"} data-testid="compose-encoding">
                {t(sms?.encoding === "ucs2" ? "compose.preview.ucs2" : "compose.preview.gsm7")}
              </Badge>
            </Fact>
            <Fact label={t("compose.preview.units")}>{number(sms?.units)}</Fact>
            <Fact label={t("compose.preview.segments")}>
              <span data-testid="compose-segments" className={classes.big}>
                {number(sms?.segments)}
              </span>
            </Fact>
            <Fact label={t("compose.preview.remaining")}>
              <span data-testid="compose-remaining">{number(sms?.remaining)}</span>
            </Fact>
          </>
        )}
        {channel === "whatsapp" && preview?.window && (
          <Fact label={t("compose.preview.window")}>
            <Badge variant="light" color={preview.window.open ? "green" : "gray"}>
              {preview.window.open ? t("compose.preview.windowOpen") : t("compose.preview.windowClosed")}
            </Badge>
          </Fact>
        )}
        {channel === "email" && (
          <Fact label={t("compose.preview.attachments")}>
            {draft.attachments.length === 0
              ? t("common.none")
              : t("compose.email.total", {
                  count: draft.attachments.length,
                  size: formatBytes(
                    draft.attachments.reduce((sum, a) => sum + a.size, 0),
                    language,
                  ),
                })}
          </Fact>
        )}
        {channel === "push" && (
          <Fact label={t("compose.preview.devices")}>
            <span data-testid="compose-device-count" className={classes.big}>
              {number(preview?.devices.filter((d) => !d.disabled).length)}
            </span>
          </Fact>
        )}
        {channel === "voice" && (
          <>
            <Fact label={t("compose.preview.language")}>{t(`languageName.${voiceLanguage}`)}</Fact>
            <Fact label={t("compose.preview.voice")}>
              <Ltr>{VOICE_OF[voiceLanguage]}</Ltr>
            </Fact>
          </>
        )}
        <Fact label={t("compose.preview.cost")}>
          {preview?.cost ? (
            <span className={classes.cost}>
              <span data-testid="compose-cost">{formatRiyals(preview.cost.totalHalalas, language)}</span>
              <Text span size="xs" c="dimmed" fw={400}>
                {t("compose.preview.costDetail", {
                  units: formatNumber(preview.cost.units, language),
                  price: formatRiyals(preview.cost.unitPriceHalalas, language),
                })}{" "}
                · <ProviderName id={preview.cost.provider} />
              </Text>
            </span>
          ) : (
            <span data-testid="compose-cost">{t("common.none")}</span>
          )}
        </Fact>
      </dl>
      {problems.length > 0 && (
        <div className={classes.problems} data-testid="compose-problems">
          <Text size="sm" fw={600} c="orange.9" mb={4}>
            {t("compose.preview.problems")}
          </Text>
          <List size="sm" spacing={4}>
            {problems.map((p, i) => (
              <List.Item key={`${p.code}-${i}`} data-testid="compose-problem" data-code={p.code}>
                {errorText(p)}
              </List.Item>
            ))}
          </List>
        </div>
      )}
    </Paper>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className={classes.fact}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
