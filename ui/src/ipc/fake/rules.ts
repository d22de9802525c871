// The few backend rules the fake repeats so that screens can be tested without Rust. Each is
// checked against what the core itself answers (`rules.fixtures.json`, written by
// `crates/core/tests/ui_rules.rs`; `rules.test.ts` compares): the two cannot drift apart.
import type { ErrorPayload, MessageStatus, OperatorAction, OutboxSettings, SmsDraft, SmsPreview } from "../bindings";

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED = "^{}\\[~]|€\f";

export function previewOf(draft: SmsDraft): SmsPreview {
  const phone = normalisePhone(draft.to);
  const chars = [...draft.body];
  const gsm = chars.every((c) => GSM7_BASIC.includes(c) || GSM7_EXTENDED.includes(c));
  const units = gsm
    ? chars.reduce((n, c) => n + (GSM7_EXTENDED.includes(c) ? 2 : 1), 0)
    : draft.body.length; // UTF-16 code units
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const segments = units <= single ? 1 : Math.ceil(units / multi);
  const capacity = segments <= 1 ? single : segments * multi;
  return {
    normalized: phone.ok ? phone.e164 : null,
    phoneError: draft.to.trim() === "" || phone.ok ? null : phone.error,
    encoding: gsm ? "gsm7" : "ucs2",
    units,
    segments,
    remaining: capacity - units,
  };
}

type Checked = { ok: true; e164: string } | { ok: false; error: ErrorPayload };

/** Arabic-Indic (٠–٩) and Persian (۰–۹) digits, as desks type them, read as 0–9. */
function westernDigits(input: string): string {
  return input.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String((d.charCodeAt(0) & 0xf) % 10));
}

/** Like the backend's `PhoneE164::parse_mobile`: Saudi forms to E.164, other countries as written. */
export function normalisePhone(input: string): Checked {
  const compact = westernDigits(input).replace(/[\s\-().]/g, "");
  if (compact === "") return { ok: false, error: { code: "phone.required", params: {} } };
  const mobile = /^(?:\+966|00966|966|0)?(5\d{8})$/.exec(compact);
  if (mobile) return { ok: true, e164: `+966${mobile[1]}` };
  if (/^(?:\+966|00966|966|0)?1\d{7,8}$/.test(compact)) {
    return { ok: false, error: { code: "phone.not_mobile", params: { input } } };
  }
  // Another country's number, written with its code (the backend checks it with libphonenumber).
  if (/^\+(?!966)[1-9]\d{9,13}$/.test(compact)) return { ok: true, e164: compact };
  return { ok: false, error: { code: "phone.invalid", params: { input } } };
}

/** Like the backend's `EmailAddress::parse`: a dotted domain, lower-cased. */
export function normaliseEmail(input: string): Checked {
  const trimmed = input.trim();
  const m = /^([^@\s]+)@([^@\s]+\.[^@\s]+)$/.exec(trimmed);
  if (!m) return { ok: false, error: { code: "email.invalid", params: { input: trimmed } } };
  return { ok: true, e164: `${m[1]}@${m[2].toLowerCase()}` };
}

export function displayPhone(e164: string): string {
  const m = /^\+966(\d{2})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+966 ${m[1]} ${m[2]} ${m[3]}` : e164;
}

export function fail(code: string, params: Record<string, string> = {}): never {
  // Rejecting with a plain object is what the Rust side does: the bindings turn it into `status: "error"`.
  throw { code, params } satisfies ErrorPayload;
}

/** WhatsApp free text is allowed this long after the guardian's last message. */
export const WINDOW_HOURS = 24;

/** What an operator's action does to a message in `status`, as `OperatorAction::effect` decides. */
export function actionEffect(action: OperatorAction, status: MessageStatus): { to: MessageStatus; dueNow: boolean } {
  const allowed: Record<OperatorAction, readonly MessageStatus[]> = {
    cancel: ["scheduled", "queued", "unknown"],
    retryNow: ["scheduled", "queued"],
    resend: ["unknown"],
    dismiss: ["unknown"],
  };
  if (!allowed[action].includes(status)) fail("message.action_not_allowed", { status });
  return action === "cancel" || action === "dismiss" ? { to: "cancelled", dueNow: false } : { to: "queued", dueNow: true };
}

/** `OutboxSettings::check`: the quiet hours as the settings screen gets them back, or why not. */
export function checkOutbox(input: OutboxSettings): { quietHours: string | null } {
  if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 20) {
    fail("outbox.max_attempts_invalid", { max: "20" });
  }
  if (input.backoffBaseSecs <= 0 || input.backoffMaxSecs < input.backoffBaseSecs) fail("outbox.backoff_invalid");
  const quiet = input.quietHours?.trim() || null;
  if (quiet === null) return { quietHours: null };
  const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(quiet);
  const valid = (h: string, min: string) => Number(h) <= 23 && Number(min) <= 59;
  if (!m || !valid(m[1], m[2]) || !valid(m[3], m[4])) fail("outbox.quiet_hours_invalid", { input: quiet });
  const start = `${m[1].padStart(2, "0")}:${m[2]}`;
  const end = `${m[3].padStart(2, "0")}:${m[4]}`;
  if (start === end) fail("outbox.quiet_hours_invalid", { input: quiet });
  return { quietHours: `${start}-${end}` };
}
