//! The backend notes why a status changed in plain ASCII (`message.cancel by console`,
//! `lease expired while sending`, `not before 2026-…Z`); the desk reads them in its own language.
//! Anything unrecognised (a provider's own code, `HTTP 201`) is shown as it came.
import type { i18n as I18n, TFunction } from "i18next";
import type { Language } from "../../ipc";
import { formatDateTime } from "../../lib/format";

const OPERATOR = /^message\.(cancel|retry_now|resend|dismiss) by (\S+)$/;
const NOT_BEFORE = /^not before (\d{4}-\d{2}-\d{2}T\S+)$/;
const LEASE_EXPIRED = /^lease expired/;
/** How a call ended, as the voice provider reports it (`no-answer`, `busy (…)`); `failed` is shared with SMS. */
const CALL_ENDED = /^(no-answer|busy|completed|canceled)(?: \(([^)]+)\))?$/;
/** A failed provider call: `provider.timeout (retryable)`. */
const FAILED_CALL = /^([a-z_]+\.[a-z_]+) \((retryable|failover|permanent)\)$/;

const OPERATOR_KEYS: Record<string, string> = {
  cancel: "cancel",
  retry_now: "retryNow",
  resend: "resend",
  dismiss: "dismiss",
};

export function describeEventDetail(t: TFunction, i18n: I18n, detail: string, language: Language): string {
  const operator = OPERATOR.exec(detail);
  if (operator) {
    const who = operator[2] === "console" ? t("timelineDetail.byConsole") : operator[2];
    return t(`timelineDetail.${OPERATOR_KEYS[operator[1]]}`, { who });
  }
  const notBefore = NOT_BEFORE.exec(detail);
  if (notBefore) {
    const when = formatDateTime(notBefore[1], language);
    if (when) return t("timelineDetail.notBefore", { when });
  }
  if (LEASE_EXPIRED.test(detail)) return t("timelineDetail.leaseExpired");
  const call = CALL_ENDED.exec(detail);
  if (call) return call[2] ? `${t(`callOutcome.${call[1]}`)} (${call[2]})` : t(`callOutcome.${call[1]}`);
  const failed = FAILED_CALL.exec(detail);
  if (failed && i18n.exists(`errors.${failed[1]}`)) {
    const reason = t(`errors.${failed[1]}`);
    // The note carries no parameters: a message that needs one ({{code}}) stays as it came.
    if (!reason.includes("{{")) return `${reason} (${t(`attempts.errorClass.${failed[2]}`)})`;
  }
  return detail;
}
