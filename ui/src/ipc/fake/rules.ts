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

const invalid = (code: string, input?: string): Checked => ({
  ok: false,
  error: { code, params: input === undefined ? {} : { input } },
});

// Saudi number ranges as libphonenumber 9.0.33 has them (`PhoneNumberMetadata.xml`, territory SA),
// national significant numbers without the trunk `0`.
const SA_MOBILE = /^(?:579[0-8]\d{5}|5(?:[013-689]\d|7[0-8])\d{6})$/;
const SA_NOT_MOBILE = [
  /^1(?:1\d|2[24-8]|3[35-8]|4[3-68]|6[2-5]|7[235-7])\d{6}$/, // fixed line
  /^800\d{7}$/, // toll free
  /^925\d{6}$/, // premium rate
  /^920\d{6}$/, // shared cost
];
const SA_GENERAL = /^(?:[15]\d|800|92)\d{7}$/;
const SEPARATORS = new Set([" ", "-", "(", ")", ".", "\u200e", "\u200f", "\u00a0"]);

/** Separators out, Arabic-Indic and Persian digits to ASCII, `00…`/`966…` made international. */
function compactPhone(input: string): string | null {
  let out = "";
  let i = 0;
  for (const c of input) {
    const code = c.codePointAt(0) ?? 0;
    if (c >= "0" && c <= "9") out += c;
    else if (code >= 0x660 && code <= 0x669) out += String(code - 0x660);
    else if (code >= 0x6f0 && code <= 0x6f9) out += String(code - 0x6f0);
    else if (c === "+" && i === 0) out += c;
    else if (!SEPARATORS.has(c)) return null;
    i += 1;
  }
  if (out.startsWith("00")) return `+${out.slice(2)}`;
  if (out.startsWith("966") && out.length === 12) return `+${out}`;
  return out;
}

/**
 * `parse_mobile`: Saudi numbers are classified like libphonenumber does; a number with another
 * country code is only checked for an E.164 length (the fake carries no other country's ranges).
 */
export function normalisePhone(input: string): Checked {
  const trimmed = input.trim();
  if (trimmed === "") return invalid("phone.required");
  const compact = compactPhone(trimmed);
  if (compact === null) return invalid("phone.invalid", trimmed);
  let national: string;
  if (compact.startsWith("+966")) {
    national = compact.slice(4);
  } else if (compact.startsWith("+")) {
    return /^\+[1-9]\d{7,14}$/.test(compact) ? { ok: true, e164: compact } : invalid("phone.invalid", trimmed);
  } else if (compact.startsWith("966") && !SA_GENERAL.test(withoutTrunk(compact)) && SA_GENERAL.test(withoutTrunk(compact.slice(3)))) {
    // Like libphonenumber: a leading country code without `+` is dropped when that makes sense of it.
    national = compact.slice(3);
  } else {
    national = compact;
  }
  national = withoutTrunk(national);
  if (SA_MOBILE.test(national)) return { ok: true, e164: `+966${national}` };
  if (SA_NOT_MOBILE.some((re) => re.test(national))) return invalid("phone.not_mobile", trimmed);
  return invalid("phone.invalid", trimmed);
}

const withoutTrunk = (digits: string) => (digits.startsWith("0") ? digits.slice(1) : digits);

const utf8Length = (s: string) => new TextEncoder().encode(s).length;
const isAlnum = (c: string) => /^[\p{Alphabetic}\p{N}]$/u.test(c);
/** RFC 5322 atext, and anything outside ASCII (as the `email_address` crate allows). */
const isAtext = (c: string) => /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/.test(c) || c.codePointAt(0)! > 0x7f;
const isAtom = (s: string) => s !== "" && [...s].every(isAtext);

function validLocalPart(part: string): boolean {
  if (part === "" || utf8Length(part) > 64) return false;
  if (part.length > 2 && part.startsWith('"') && part.endsWith('"')) {
    // Quoted: printable ASCII but `"` and `\`, spaces, anything outside ASCII, and `\`-pairs.
    return /^(?:[\t !#-[\]-~]|\P{ASCII}|\\[!-~])*$/u.test(part.slice(1, -1));
  }
  return part.split(".").every(isAtom);
}

function validDomain(part: string): boolean {
  if (part === "" || utf8Length(part) > 254) return false;
  if (part.startsWith("[") && part.endsWith("]")) return /^(?:[!-Z^-~]|\P{ASCII})*$/u.test(part.slice(1, -1));
  return part.split(".").every((label) => {
    const chars = [...label];
    return chars.length > 0 && isAlnum(chars[0]) && isAlnum(chars[chars.length - 1]) && utf8Length(label) <= 63 && isAtom(label);
  });
}

/** `EmailAddress::parse`: an address lettre accepts, with a dotted domain, the domain lower-cased. */
export function normaliseEmail(input: string): Checked {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf("@");
  const user = trimmed.slice(0, Math.max(0, at));
  const domain = trimmed.slice(at + 1);
  if (at < 0 || !validLocalPart(user) || !validDomain(domain) || !domain.includes(".")) {
    return invalid("email.invalid", trimmed);
  }
  return { ok: true, e164: `${user}@${domain.toLowerCase()}` };
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
