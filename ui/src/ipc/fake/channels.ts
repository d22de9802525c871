//! The fake backend's channel data: the provider catalog (as `crates/core/src/providers/catalog.rs`
//! has it), WhatsApp templates as the Meta simulator seeds them, guardians' push devices, and the
//! provider settings a desk can change. Shaped by `bindings.ts`; never part of the shipped app.
import type {
  DeviceView,
  ErrorPayload,
  Language,
  MessageChannel,
  ProviderCheckView,
  ProviderFieldView,
  ProviderInput,
  ProviderView,
  TemplateView,
} from "../bindings";

export const CHANNELS: readonly MessageChannel[] = ["sms", "whatsapp", "email", "push", "voice"];

type FieldSpec = { key: string; secret?: boolean; required?: boolean; multiline?: boolean };
type ProviderSpec = { id: string; channel: MessageChannel; fields: FieldSpec[]; ratePerSec: number; unitPriceHalalas: number };

const req = (key: string): FieldSpec => ({ key, required: true });
const secret = (key: string): FieldSpec => ({ key, secret: true, required: true });
const opt = (key: string): FieldSpec => ({ key });

/** Every provider, in the default failover order of each channel. */
export const PROVIDER_CATALOG: readonly ProviderSpec[] = [
  { id: "twilio", channel: "sms", fields: [req("account_sid"), secret("auth_token"), req("from"), opt("base_url")], ratePerSec: 10, unitPriceHalalas: 20 },
  { id: "taqnyat", channel: "sms", fields: [secret("token"), req("sender"), opt("base_url")], ratePerSec: 10, unitPriceHalalas: 7 },
  { id: "msegat", channel: "sms", fields: [req("user_name"), secret("api_key"), req("sender"), opt("base_url")], ratePerSec: 10, unitPriceHalalas: 8 },
  {
    id: "meta",
    channel: "whatsapp",
    fields: [req("phone_number_id"), req("waba_id"), secret("access_token"), secret("app_secret"), secret("verify_token"), opt("base_url")],
    ratePerSec: 80,
    unitPriceHalalas: 12,
  },
  {
    id: "twilio_whatsapp",
    channel: "whatsapp",
    fields: [req("account_sid"), secret("auth_token"), req("from"), opt("base_url"), opt("content_base_url")],
    ratePerSec: 10,
    unitPriceHalalas: 15,
  },
  {
    id: "smtp",
    channel: "email",
    fields: [req("host"), req("port"), req("security"), opt("username"), { key: "password", secret: true }, req("from_address"), opt("from_name")],
    ratePerSec: 5,
    unitPriceHalalas: 0,
  },
  {
    id: "fcm",
    channel: "push",
    fields: [{ key: "service_account_json", secret: true, required: true, multiline: true }, opt("base_url"), opt("token_uri")],
    ratePerSec: 100,
    unitPriceHalalas: 0,
  },
  { id: "onesignal", channel: "push", fields: [req("app_id"), secret("api_key"), opt("base_url")], ratePerSec: 150, unitPriceHalalas: 0 },
  { id: "twilio_voice", channel: "voice", fields: [req("account_sid"), secret("auth_token"), req("from"), opt("base_url")], ratePerSec: 1, unitPriceHalalas: 45 },
];

function fail(code: string, params: Record<string, string> = {}): never {
  throw { code, params } satisfies ErrorPayload;
}

const fieldError = (code: string, field: string): never => fail(code, { field });

// ---- WhatsApp templates ------------------------------------------------------------------------

function template(
  name: string,
  language: string,
  status: TemplateView["status"],
  body: string,
  category: string | null = "UTILITY",
): TemplateView {
  const params = Math.max(0, ...[...body.matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1])));
  return { provider: "meta", name, language, status, category, body, params, fetchedAt: new Date().toISOString() };
}

export function seedTemplates(): TemplateView[] {
  return [
    template("appointment_reminder", "ar", "approved", "مرحبًا {{1}}، نذكّركم بموعد {{2}} غدًا الساعة {{3}}. مركز واصل للرعاية النهارية."),
    template("appointment_reminder", "en", "approved", "Hello {{1}}, a reminder of {{2}} tomorrow at {{3}}. Wasel Day Care."),
    template("session_cancelled", "ar", "approved", "نعتذر، أُلغيت جلسة {{1}} يوم {{2}}. سنتواصل معكم لتحديد موعد جديد."),
    template("session_cancelled", "en", "approved", "We are sorry: the {{1}} session on {{2}} is cancelled. We will call you to set a new time."),
    template("payment_due", "ar", "pending", "تذكير بسداد رسوم شهر {{1}}."),
    template("promo_offer", "en", "rejected", "Special offer this month: {{1}}", "MARKETING"),
  ];
}

/** `{{1}}`… replaced in order; a missing value keeps its placeholder. */
export function renderTemplate(body: string, params: readonly string[]): string {
  return body.replace(/\{\{(\d+)\}\}/g, (whole, n: string) => params[Number(n) - 1]?.trim() || whole);
}

// ---- Push devices ------------------------------------------------------------------------------

function device(id: string, service: string, language: Language, label: string | null, token: string, disabledReason: string | null = null): DeviceView {
  return { id, service, label, language, tokenTail: token.slice(-6), disabled: disabledReason !== null, disabledReason };
}

/** Guardian id → devices (tokens end with their tail). */
export function seedDevices(): Map<string, DeviceView[]> {
  return new Map([
    ["g1", [device("d1", "fcm", "ar", "Android", "fcm-token-7c41a9"), device("d2", "onesignal", "en", "iPad", "os-sub-0b52e3")]],
    ["g2", [device("d3", "fcm", "ar", "Android", "fcm-token-19d0fe")]],
    ["g3", [device("d4", "fcm", "en", "iPhone", "fcm-token-a27c55")]],
    ["g4", [device("d5", "fcm", "ar", "Android", "fcm-token-e90b13", "unregistered")]],
  ]);
}

// ---- Providers ---------------------------------------------------------------------------------

type ProviderState = {
  plain: Map<string, string>;
  secrets: Set<string>;
  ratePerSec: number | null;
  unitPriceHalalas: number | null;
  circuit: string;
};

export type FakeProviders = {
  list: () => ProviderView[];
  save: (input: ProviderInput) => ProviderView[];
  clear: (id: string) => ProviderView[];
  setOrder: (channel: MessageChannel, ids: string[]) => ProviderView[];
  /** Provider ids of a channel in failover order. */
  order: (channel: MessageChannel) => string[];
  configured: (id: string) => boolean;
  anyConfigured: () => boolean;
  unitPrice: (id: string) => number;
  check: (id: string) => ProviderCheckView;
  setCircuit: (id: string, state: string) => void;
};

export function createFakeProviders(keychainError: () => ErrorPayload | null): FakeProviders {
  const state = new Map<string, ProviderState>(
    PROVIDER_CATALOG.map((p) => [p.id, { plain: new Map(), secrets: new Set(), ratePerSec: null, unitPriceHalalas: null, circuit: "closed" }]),
  );
  const orders = new Map<MessageChannel, string[]>(
    CHANNELS.map((c) => [c, PROVIDER_CATALOG.filter((p) => p.channel === c).map((p) => p.id)]),
  );
  const specOf = (id: string) => PROVIDER_CATALOG.find((p) => p.id === id) ?? fail("not_found");
  const stateOf = (id: string) => state.get(id) ?? fail("not_found");

  const configured = (id: string) => {
    const spec = specOf(id);
    const s = stateOf(id);
    return spec.fields.filter((f) => f.required).every((f) => (f.secret ? s.secrets.has(f.key) : s.plain.has(f.key)));
  };

  const view = (spec: ProviderSpec, position: number): ProviderView => {
    const s = stateOf(spec.id);
    const fields: ProviderFieldView[] = spec.fields.map((f) => ({
      key: f.key,
      secret: f.secret ?? false,
      required: f.required ?? false,
      value: f.secret ? null : (s.plain.get(f.key) ?? null),
      set: f.secret ? s.secrets.has(f.key) : s.plain.has(f.key),
      multiline: f.multiline ?? false,
    }));
    return {
      id: spec.id,
      channel: spec.channel,
      position,
      configured: configured(spec.id),
      fields,
      circuit: s.circuit,
      ratePerSec: s.ratePerSec ?? spec.ratePerSec,
      unitPriceHalalas: s.unitPriceHalalas ?? spec.unitPriceHalalas,
    };
  };

  const list = () => CHANNELS.flatMap((c) => (orders.get(c) ?? []).map((id, i) => view(specOf(id), i)));

  const save = (input: ProviderInput): ProviderView[] => {
    const spec = specOf(input.id);
    const s = stateOf(spec.id);
    const plain: [string, string | null][] = [];
    const secrets: string[] = [];
    for (const f of spec.fields) {
      const raw = (input.fields[f.key] ?? "").trim();
      if (f.secret) {
        if (raw === "") {
          if (f.required && !s.secrets.has(f.key)) fieldError("provider.field_required", f.key);
          continue;
        }
        checkField(spec, f.key, raw);
        secrets.push(f.key);
      } else if (raw === "") {
        if (f.required) fieldError("provider.field_required", f.key);
        plain.push([f.key, null]);
      } else {
        plain.push([f.key, checkField(spec, f.key, raw)]);
      }
    }
    if (input.ratePerSec === 0 || (input.ratePerSec ?? 0) > 100_000) fieldError("provider.field_invalid", "rate_per_sec");
    if ((input.unitPriceHalalas ?? 0) > 100_000) fieldError("provider.field_invalid", "unit_price_halalas");
    const keychain = keychainError();
    if (secrets.length > 0 && keychain) fail(keychain.code, keychain.params);
    secrets.forEach((k) => s.secrets.add(k));
    for (const [k, v] of plain) {
      if (v === null) s.plain.delete(k);
      else s.plain.set(k, v);
    }
    if (input.ratePerSec !== null) s.ratePerSec = input.ratePerSec;
    if (input.unitPriceHalalas !== null) s.unitPriceHalalas = input.unitPriceHalalas;
    return list();
  };

  const clear = (id: string) => {
    const s = stateOf(id);
    s.plain.clear();
    s.secrets.clear();
    return list();
  };

  const setOrder = (channel: MessageChannel, ids: string[]) => {
    const all = orders.get(channel) ?? [];
    for (const id of ids) if (specOf(id).channel !== channel) fail("not_found");
    if (new Set(ids).size !== ids.length || ids.length !== all.length) fail("provider.order_invalid");
    orders.set(channel, [...ids]);
    return list();
  };

  const check = (id: string): ProviderCheckView => {
    const sandbox = !configured(id);
    const details: Record<string, string> = {
      twilio: "Wasel Day Care (AC…2f1c), active",
      taqnyat: "balance 1,250 SMS",
      msegat: "balance 980 SMS",
      meta: "+966 55 500 0100 · Wasel Day Care",
      twilio_whatsapp: "whatsapp:+966555000100",
      smtp: "250 EHLO accepted",
      fcm: "project wasel-sandbox",
      onesignal: "app Wasel Day Care",
      twilio_voice: "+966555000100 can call",
    };
    return { provider: id, ok: true, sandbox, detail: details[id] ?? null, error: null, latencyMs: 40 + (id.length * 17) % 200 };
  };

  return {
    list,
    save,
    clear,
    setOrder,
    order: (channel) => [...(orders.get(channel) ?? [])],
    configured,
    anyConfigured: () => PROVIDER_CATALOG.some((p) => configured(p.id)),
    unitPrice: (id) => stateOf(id).unitPriceHalalas ?? specOf(id).unitPriceHalalas,
    check,
    setCircuit: (id, circuit) => {
      stateOf(id).circuit = circuit;
    },
  };
}

/** The shape checks the backend makes before saving anything (a subset that covers the forms). */
function checkField(spec: ProviderSpec, key: string, raw: string): string {
  const invalid = () => fieldError("provider.field_invalid", key);
  switch (key) {
    case "account_sid":
      if (!/^AC[0-9a-fA-F]{32}$/.test(raw)) fail("credentials.account_sid_invalid");
      return raw;
    case "from":
    case "sender":
      if (spec.id === "twilio_whatsapp" || spec.id === "twilio_voice") {
        if (!/^(whatsapp:)?\+9665\d{8}$/.test(raw)) invalid();
        return raw;
      }
      if (!/^(\+\d{8,15}|[A-Za-z0-9 ]{1,11})$/.test(raw)) fail("credentials.from_invalid");
      return raw;
    case "base_url":
    case "content_base_url":
    case "token_uri":
      if (!/^https?:\/\/[^/\s]+/.test(raw)) invalid();
      return raw.replace(/\/+$/, "");
    case "port":
      if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) invalid();
      return String(Number(raw));
    case "security":
      if (!["starttls", "tls", "none"].includes(raw.toLowerCase())) invalid();
      return raw.toLowerCase();
    case "from_address":
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(raw)) fail("email.invalid", { input: raw });
      return raw;
    case "service_account_json": {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return invalid();
      }
      if (!["client_email", "private_key", "project_id"].every((k) => typeof json[k] === "string" && json[k] !== "")) invalid();
      return raw;
    }
    case "phone_number_id":
    case "waba_id":
      if (!/^\d{1,32}$/.test(raw)) invalid();
      return raw;
    case "app_id":
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) invalid();
      return raw.toLowerCase();
    default:
      return raw;
  }
}
