//! An in-memory stand-in for the Rust commands, shaped by `bindings.ts`. Used by unit tests and,
//! through `mock.ts`, by screenshot builds in a plain browser. Never part of the shipped app.
import type {
  AppStatus,
  AttemptView,
  DeviceView,
  ErrorPayload,
  GuardianView,
  InboundInput,
  InboxItem,
  Language,
  MessageChannel,
  MessageEventView,
  MessageFilter,
  MessagePreview,
  MessageStatus,
  MessageView,
  OperatorAction,
  OutboxSettings,
  ProviderInput,
  SendMessageInput,
  SendSmsInput,
  SmsDraft,
  SmsPreview,
  TemplateView,
} from "./bindings";
import {
  createFakeProviders,
  renderTemplate,
  seedDevices,
  seedTemplates,
  type FakeProviders,
} from "./fakeChannels";

export type FakeBackendOptions = {
  language?: Language;
  sandbox?: boolean;
  keychainError?: ErrorPayload | null;
  seedMessages?: boolean;
  /** Adds messages whose outcome is unknown (and one scheduled), for the attention screen. */
  seedAttention?: boolean;
  /** Adds a WhatsApp, email, push and voice message each, with what the families saw in the inbox. */
  seedChannels?: boolean;
  /** Called after each status change, like the backend's `messages-changed` event. */
  onMessagesChanged?: () => void;
  /** Milliseconds between simulated status steps; 0 keeps a sent message queued. */
  deliveryStepMs?: number;
};

export type FakeBackend = {
  handle: (cmd: string, args?: Record<string, unknown>) => unknown;
  messages: MessageView[];
  events: Map<string, MessageEventView[]>;
  attempts: Map<string, AttemptView[]>;
  outbox: OutboxSettings;
  status: AppStatus;
  templates: TemplateView[];
  devices: Map<string, DeviceView[]>;
  /** Number (E.164) → the guardian's last inbound WhatsApp message (opens the 24 h window). */
  windows: Map<string, string>;
  providers: FakeProviders;
  /** What the families would have seen, oldest first (the command answers newest first). */
  inbox: FakeInboxEntry[];
};

/** An inbox entry; `messageId` ties its status to the message's as the simulator would move it. */
export type FakeInboxEntry = InboxItem & { messageId: string | null };

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
  const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
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

export function normalisePhone(input: string): Checked {
  const compact = input.replace(/[\s\-().]/g, "");
  if (compact === "") return { ok: false, error: { code: "phone.required", params: {} } };
  const mobile = /^(?:\+966|00966|966|0)?(5\d{8})$/.exec(compact);
  if (mobile) return { ok: true, e164: `+966${mobile[1]}` };
  if (/^(?:\+966|00966|966|0)?1\d{7,8}$/.test(compact)) {
    return { ok: false, error: { code: "phone.not_mobile", params: { input } } };
  }
  return { ok: false, error: { code: "phone.invalid", params: { input } } };
}

/** Like the backend's `normalize_email`: a dotted domain, lower-cased. */
export function normaliseEmail(input: string): Checked {
  const trimmed = input.trim();
  if (trimmed === "") return { ok: false, error: { code: "email.required", params: {} } };
  const m = /^([^@\s]+)@([^@\s]+\.[^@\s]+)$/.exec(trimmed);
  if (!m) return { ok: false, error: { code: "email.invalid", params: { input: trimmed } } };
  return { ok: true, e164: `${m[1]}@${m[2].toLowerCase()}` };
}

export function displayPhone(e164: string): string {
  const m = /^\+966(\d{2})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+966 ${m[1]} ${m[2]} ${m[3]}` : e164;
}

const DEVICES = seedDevices();

export const FAKE_GUARDIANS: GuardianView[] = [
  guardian("g1", "نورة العتيبي", "+966551234567", "ريم العتيبي", "noura.alotaibi@example.com"),
  guardian("g2", "عبدالله القحطاني", "+966502345678", "فيصل القحطاني", "abdullah.q@example.com"),
  guardian("g3", "Sarah Williams", "+966561112233", "Adam Williams", "sarah.williams@example.com", "en"),
  guardian("g4", "منيرة الشهري", "+966533334444", "لمى الشهري", null),
  guardian("g5", "خالد الدوسري", "+966598765432", null, "khalid.aldosari@example.com"),
];

function guardian(
  id: string,
  name: string,
  phone: string,
  beneficiaryName: string | null,
  email: string | null,
  language: Language = "ar",
): GuardianView {
  const devices = (DEVICES.get(id) ?? []).filter((d) => !d.disabled).length;
  return { id, name, phone, phoneDisplay: displayPhone(phone), language, beneficiaryName, email, devices };
}

function fail(code: string, params: Record<string, string> = {}): never {
  // Rejecting with a plain object is what the Rust side does: the bindings turn it into `status: "error"`.
  throw { code, params } satisfies ErrorPayload;
}

/** Attachments together, decoded, as the backend limits them. */
export const MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024;
const WINDOW_HOURS = 24;
/** The voices the backend asks Twilio for (`<Say voice>`), by language. */
export const FAKE_VOICES: Record<Language, string> = { ar: "Polly.Hala-Neural", en: "Polly.Joanna" };
/** Like the voice simulator: numbers ending 0001 / 0002 / 0003 end busy / no-answer / failed. */
const CALL_FATES: Record<string, string> = { "0001": "busy", "0002": "no-answer", "0003": "failed" };

export function createFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const stepMs = options.deliveryStepMs ?? 0;
  const status: AppStatus = {
    language: options.language ?? "ar",
    backend: "sqlite",
    sandbox: options.sandbox ?? true,
    sandboxUrl: "http://127.0.0.1:47810",
    keychain: options.keychainError ? "unavailable" : "available",
    keychainError: options.keychainError ?? null,
  };
  const messages: MessageView[] = [];
  const events = new Map<string, MessageEventView[]>();
  const attempts = new Map<string, AttemptView[]>();
  const outbox: OutboxSettings = { maxAttempts: 5, backoffBaseSecs: 2, backoffMaxSecs: 600, quietHours: null };
  const byKey = new Map<string, MessageView[]>();
  const templates = seedTemplates();
  const devices = seedDevices();
  const windows = new Map<string, string>();
  const inbox: FakeInboxEntry[] = [];
  const providers = createFakeProviders(() => status.keychainError);
  if (!(options.sandbox ?? true)) {
    providers.save({
      id: "twilio",
      fields: { account_sid: "AC0123456789abcdef0123456789abcdef", auth_token: "token", from: "+966500000000" },
      ratePerSec: null,
      unitPriceHalalas: null,
    });
  }
  let sequence = 0;

  const providerFor = (channel: MessageChannel) => providers.order(channel)[0] ?? "twilio";

  const addEvent = (id: string, state: MessageStatus, source: MessageEventView["source"], at: Date, detail: string | null = null) => {
    const list = events.get(id) ?? [];
    list.push({ id: `${id}-e${list.length}`, status: state, source, at: at.toISOString(), detail });
    events.set(id, list);
  };

  const addAttempt = (m: MessageView, a: Partial<Omit<AttemptView, "startedAt">> & { startedAt: Date }) => {
    const list = attempts.get(m.id) ?? [];
    m.attempts += 1;
    list.push({
      attemptNo: list.length + 1,
      provider: a.provider ?? providerFor(m.channel),
      startedAt: a.startedAt.toISOString(),
      latencyMs: a.latencyMs ?? null,
      httpStatus: a.httpStatus ?? null,
      providerErrorCode: a.providerErrorCode ?? null,
      errorClass: a.errorClass ?? null,
      outcome: a.outcome ?? "error",
    });
    attempts.set(m.id, list);
  };

  const setStatus = (m: MessageView, next: MessageStatus, source: MessageEventView["source"], at: Date, detail: string | null = null) => {
    m.status = next;
    m.updatedAt = at.toISOString();
    if (next === "sent") {
      m.sentAt = m.updatedAt;
      m.provider = m.provider ?? providerFor(m.channel);
      m.providerMessageId = `SM${m.id.replace(/-/g, "").slice(0, 32).padEnd(32, "0")}`;
      addAttempt(m, { startedAt: new Date(at.getTime() - 420), latencyMs: 420, httpStatus: 201, outcome: "accepted" });
    }
    if (next === "delivered") m.deliveredAt = m.updatedAt;
    addEvent(m.id, next, source, at, detail);
  };

  const create = (input: CreateInput, at: Date): MessageView => {
    sequence += 1;
    const channel = input.channel ?? "sms";
    let to = input.to;
    let toDisplay = input.to;
    if (channel === "email") {
      const email = normaliseEmail(input.to);
      if (!email.ok) fail(email.error.code, email.error.params as Record<string, string>);
      to = toDisplay = email.e164;
    } else if (channel === "push") {
      toDisplay = `…${input.to.slice(-6)}`;
    } else {
      const phone = normalisePhone(input.to);
      if (!phone.ok) fail(phone.error.code, phone.error.params as Record<string, string>);
      to = phone.e164;
      toDisplay = displayPhone(phone.e164);
    }
    const preview = previewOf({ to: "", body: input.body });
    const g = FAKE_GUARDIANS.find((x) => x.id === input.guardianId) ?? FAKE_GUARDIANS.find((x) => x.phone === to || x.email === to);
    const m: MessageView = {
      id: `0190${String(sequence).padStart(4, "0")}-7e57-7000-8000-${String(Date.now()).slice(-12).padStart(12, "0")}`,
      channel,
      to,
      toDisplay,
      guardianName: g?.name ?? null,
      body: input.body,
      status: input.scheduled ? "scheduled" : "queued",
      provider: null,
      providerMessageId: null,
      segments: channel === "sms" ? preview.segments : 1,
      encoding: preview.encoding,
      attempts: 0,
      sandbox: status.sandbox,
      error: null,
      createdAt: at.toISOString(),
      sentAt: null,
      deliveredAt: null,
      updatedAt: at.toISOString(),
      sendAt: input.sendAt ?? null,
      expiresAt: input.expiresAt ?? null,
      nextAttemptAt: input.scheduled && input.sendAt ? input.sendAt : at.toISOString(),
      urgent: input.urgent ?? false,
      title: input.title ?? null,
    };
    addEvent(m.id, m.status, "dispatch", at);
    messages.push(m);
    return m;
  };

  /** What the simulator records when the message reaches it (the inbox shows it from then on). */
  const toInbox = (m: MessageView, extra: Partial<InboxItem> = {}) => {
    if (!m.sandbox) return;
    inbox.push({
      id: `sim-${m.id}`,
      messageId: m.id,
      channel: m.channel,
      provider: m.provider ?? providerFor(m.channel),
      to: m.to,
      at: m.createdAt,
      status: "queued",
      title: m.title,
      text: m.body,
      html: null,
      from: m.channel === "email" ? "مركز واصل <noreply@wasel.example>" : m.channel === "push" ? null : "+966555000100",
      language: null,
      attachments: [],
      voice: null,
      durationSecs: null,
      errorCode: null,
      ...extra,
    });
  };

  if (options.seedMessages) seed(create, setStatus, addAttempt);
  if (options.seedAttention) seedAttention(create, setStatus, addAttempt);
  if (options.seedChannels) seedChannels({ create, setStatus, toInbox, windows });

  const changed = () => options.onMessagesChanged?.();

  const timers = new Map<string, ReturnType<typeof setTimeout>[]>();
  const later = (m: MessageView, ms: number, run: () => void) => {
    const list = timers.get(m.id) ?? [];
    list.push(setTimeout(run, ms));
    timers.set(m.id, list);
  };
  /** An operator stopped the message: nothing scheduled for it may still happen. */
  const stop = (m: MessageView) => {
    timers.get(m.id)?.forEach(clearTimeout);
    timers.delete(m.id);
  };

  const deliver = (m: MessageView) => {
    if (stepMs <= 0) return;
    const fate = m.channel === "voice" ? CALL_FATES[m.to.slice(-4)] : undefined;
    const steps: [MessageStatus, MessageEventView["source"], string | null][] = [
      ["sending", "dispatch", null],
      ["sent", "dispatch", "HTTP 201"],
      fate ? ["failed", "webhook", fate] : ["delivered", "webhook", null],
    ];
    if (m.channel === "whatsapp" && !fate) steps.push(["read", "webhook", null]);
    steps.forEach(([next, source, detail], i) => {
      later(m, stepMs * (i + 1), () => {
        if (next === "failed") m.error = { code: "provider.undelivered", params: { code: fate ?? "failed" } };
        setStatus(m, next, source, new Date(), detail);
        changed();
      });
    });
  };

  const act = (id: string, action: OperatorAction): MessageView => {
    const m = messages.find((x) => x.id === id);
    if (!m) fail("message.not_found");
    const current = m.status;
    const allowed: Record<OperatorAction, MessageStatus[]> = {
      cancel: ["queued", "scheduled", "unknown"],
      retryNow: ["queued", "scheduled"],
      resend: ["unknown"],
      dismiss: ["unknown"],
    };
    if (!allowed[action].includes(current)) fail("message.action_not_allowed", { status: current });
    const name = { cancel: "message.cancel", retryNow: "message.retry_now", resend: "message.resend", dismiss: "message.dismiss" }[action];
    const detail = `${name} by console`;
    const now = new Date();
    stop(m);
    if (action === "cancel" || action === "dismiss") {
      setStatus(m, "cancelled", "operator", now, detail);
    } else {
      if (current === "queued") {
        m.updatedAt = now.toISOString();
        addEvent(m.id, "queued", "operator", now, detail);
      } else {
        setStatus(m, "queued", "operator", now, detail);
      }
      m.error = null;
      deliver(m);
    }
    changed();
    return structuredClone(m);
  };

  const saveOutbox = (input: OutboxSettings): OutboxSettings => {
    if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 20) {
      fail("outbox.max_attempts_invalid", { max: "20" });
    }
    if (input.backoffBaseSecs <= 0 || input.backoffMaxSecs < input.backoffBaseSecs) fail("outbox.backoff_invalid");
    const quiet = input.quietHours?.trim() || null;
    if (quiet !== null) {
      const m = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$/.exec(quiet);
      if (!m || `${m[1]}:${m[2]}` === `${m[3]}:${m[4]}`) fail("outbox.quiet_hours_invalid", { input: quiet });
      outbox.quietHours = `${m[1]}:${m[2]}-${m[3]}:${m[4]}`;
    } else {
      outbox.quietHours = null;
    }
    outbox.maxAttempts = input.maxAttempts;
    outbox.backoffBaseSecs = input.backoffBaseSecs;
    outbox.backoffMaxSecs = input.backoffMaxSecs;
    return structuredClone(outbox);
  };

  // ---- every channel ---------------------------------------------------------------------------

  const guardianOf = (id: string | null): GuardianView | null => {
    if (!id?.trim()) return null;
    return FAKE_GUARDIANS.find((g) => g.id === id) ?? fail("guardian.not_found");
  };

  /** The address for the channel: what was typed, else the guardian's; `null` when neither. */
  const addressOf = (input: SendMessageInput, g: GuardianView | null): string | null => {
    const typed = input.to.trim();
    if (input.channel === "push") return null;
    if (input.channel === "email") {
      const raw = typed || g?.email || "";
      if (!raw) return null;
      const email = normaliseEmail(raw);
      return email.ok ? email.e164 : fail(email.error.code, email.error.params as Record<string, string>);
    }
    const raw = typed || g?.phone || "";
    if (!raw) return null;
    const phone = normalisePhone(raw);
    return phone.ok ? phone.e164 : fail(phone.error.code, phone.error.params as Record<string, string>);
  };

  const windowOf = (address: string) => {
    const last = windows.get(address) ?? null;
    const closes = last ? new Date(Date.parse(last) + WINDOW_HOURS * 3_600_000).toISOString() : null;
    return { open: closes !== null && Date.parse(closes) > Date.now(), lastInboundAt: last, closesAt: closes };
  };

  const fillTemplate = (fill: NonNullable<SendMessageInput["template"]>): string => {
    const candidates = templates.filter((t) => t.name === fill.name && t.language === fill.language);
    if (candidates.length === 0) fail("template.not_found", { name: fill.name });
    const usable = candidates.find((t) => t.status === "approved");
    if (!usable) fail("template.not_approved", { name: fill.name, status: candidates[0].status });
    const params = fill.params.map((p) => p.trim());
    if (params.length !== usable.params || params.some((p) => p === "")) fail("template.params", { count: String(usable.params) });
    return renderTemplate(usable.body, params);
  };

  const attempt = <T,>(run: () => T, problems: ErrorPayload[]): T | null => {
    try {
      return run();
    } catch (e) {
      problems.push(e as ErrorPayload);
      return null;
    }
  };

  const estimate = (channel: MessageChannel, units: number) => {
    const provider = providerFor(channel);
    const price = providers.unitPrice(provider);
    return { provider, units, unitPriceHalalas: price, totalHalalas: price * units, currency: "SAR" };
  };

  const previewMessage = (input: SendMessageInput): MessagePreview => {
    const problems: ErrorPayload[] = [];
    const g = attempt(() => guardianOf(input.guardianId), problems);
    let normalized: string | null = null;
    let addressError: ErrorPayload | null = null;
    try {
      normalized = addressOf(input, g);
    } catch (e) {
      addressError = e as ErrorPayload;
    }
    const preview: MessagePreview = {
      channel: input.channel,
      normalized,
      addressError,
      sms: null,
      rendered: null,
      cost: null,
      window: null,
      devices: [],
      problems: [],
    };
    let units = 1;
    if (input.channel === "sms") {
      preview.sms = previewOf({ to: input.to, body: input.body });
      units = Math.max(1, preview.sms.segments);
    } else if (input.channel === "whatsapp") {
      if (normalized) preview.window = windowOf(normalized);
      if (input.template) {
        const fill = input.template;
        preview.rendered = attempt(() => fillTemplate(fill), problems);
      } else if (preview.window && !preview.window.open) {
        problems.push({ code: "whatsapp.outside_window", params: {} });
      }
    } else if (input.channel === "push" && g) {
      preview.devices = structuredClone(devices.get(g.id) ?? []);
      const usable = preview.devices.filter((d) => !d.disabled).length;
      if (usable === 0) problems.push({ code: "push.no_devices", params: {} });
      units = Math.max(1, usable);
    }
    preview.cost = estimate(input.channel, units);
    preview.problems = problems;
    return preview;
  };

  const requireBody = (body: string, max: number) => {
    if (body === "") fail("body.required");
    if ([...body].length > max) fail("body.too_long", { max: String(max) });
  };

  const sendMessage = (input: SendMessageInput): MessageView[] => {
    const key = input.idempotencyKey?.trim() || null;
    const previous = key ? byKey.get(key) : undefined;
    if (previous) return structuredClone(previous);
    const g = guardianOf(input.guardianId);
    const address = input.channel === "push" ? "" : addressOf(input, g);
    if (address === null) fail(input.channel === "email" ? "email.required" : "phone.required");
    const body = input.body.trim();
    const now = new Date();
    const sendAt = input.sendAt ? Date.parse(input.sendAt) : null;
    const expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : null;
    if (expiresAt !== null && expiresAt <= now.getTime()) fail("schedule.expired");
    if (sendAt !== null && expiresAt !== null && expiresAt <= sendAt) fail("schedule.expires_before_send");
    const scheduled = sendAt !== null && sendAt > now.getTime();
    const base = { guardianId: g?.id ?? null, scheduled, sendAt: input.sendAt, expiresAt: input.expiresAt, urgent: input.urgent, channel: input.channel };
    const made: MessageView[] = [];
    const extras: Partial<InboxItem>[] = [];
    switch (input.channel) {
      case "sms":
        requireBody(body, 1600);
        made.push(create({ ...base, to: address, body }, now));
        extras.push({});
        break;
      case "whatsapp": {
        if (input.template) {
          const text = fillTemplate(input.template);
          made.push(create({ ...base, to: address, body: text, title: `${input.template.name} (${input.template.language})` }, now));
          extras.push({ title: input.template.name, language: input.template.language });
        } else {
          requireBody(body, 4096);
          if (!windowOf(address).open) fail("whatsapp.outside_window");
          made.push(create({ ...base, to: address, body }, now));
          extras.push({});
        }
        break;
      }
      case "email": {
        requireBody(body, 20_000);
        const subject = input.subject?.trim() ?? "";
        if (subject === "") fail("subject.required");
        if ([...subject].length > 200) fail("subject.too_long", { max: "200" });
        let total = 0;
        const attachments = (input.attachments ?? []).map((a) => {
          const name = a.filename.trim();
          const data = a.dataBase64.trim();
          if (!name || /[/\\]/.test(name) || !data || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) fail("attachment.invalid", { name });
          const size = Math.floor((data.length * 3) / 4) - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0);
          total += size;
          if (total > MAX_ATTACHMENTS_BYTES) fail("attachment.too_large", { max: "10 MB" });
          return { filename: name, contentType: a.contentType.trim() || "application/octet-stream", size };
        });
        made.push(create({ ...base, to: address, body, title: subject }, now));
        extras.push({ html: input.html?.trim() ? input.html : null, attachments, status: "received" });
        break;
      }
      case "push": {
        requireBody(body, 2000);
        const title = input.subject?.trim() ?? "";
        if (title === "") fail("title.required");
        if (!g) fail("push.guardian_required");
        const usable = (devices.get(g.id) ?? []).filter((d) => !d.disabled);
        if (usable.length === 0) fail("push.no_devices");
        // As the backend does: devices set to English get the English version when there is one.
        const bodyEn = input.bodyEn?.trim() ?? "";
        const titleEn = input.subjectEn?.trim() || title;
        for (const d of usable) {
          const english = d.language === "en" && bodyEn !== "";
          const m = create(
            {
              ...base,
              to: `${d.service}-token-${d.id}-${d.tokenTail}`,
              body: english ? bodyEn : body,
              title: english ? titleEn : title,
            },
            now,
          );
          m.provider = d.service;
          made.push(m);
          extras.push({ language: d.language, provider: d.service });
        }
        break;
      }
      case "voice": {
        requireBody(body, 1500);
        const language = input.language ?? g?.language ?? "ar";
        made.push(create({ ...base, to: address, body }, now));
        extras.push({ language: language === "ar" ? "arb" : "en-US", voice: FAKE_VOICES[language] });
        break;
      }
    }
    made.forEach((m, i) => {
      if (!scheduled) toInbox(m, extras[i]);
      if (!scheduled) deliver(m);
    });
    if (key) byKey.set(key, made);
    changed();
    return structuredClone(made);
  };

  /** The simulator's own status word for a message that reached it. */
  const inboxStatus = (entry: FakeInboxEntry): string => {
    const m = entry.messageId ? messages.find((x) => x.id === entry.messageId) : undefined;
    if (!m) return entry.status;
    if (m.channel === "email") return "received";
    if (m.channel === "voice") {
      if (m.status === "failed") return m.error?.params.code ?? "failed";
      return m.status === "delivered" ? "completed" : m.status === "sent" ? "ringing" : "queued";
    }
    return m.status === "sending" ? "queued" : m.status;
  };

  const sandboxInbox = (channel: MessageChannel | null): InboxItem[] =>
    inbox
      .filter((entry) => !channel || entry.channel === channel)
      .map((entry) => {
        const { messageId, ...item } = entry;
        const m = messageId ? messages.find((x) => x.id === messageId) : undefined;
        const state = inboxStatus(entry);
        const spoken = item.channel === "voice" && state === "completed";
        return {
          ...item,
          status: state,
          durationSecs: spoken ? (item.durationSecs ?? Math.max(1, Math.ceil([...item.text].length / 12))) : item.durationSecs,
          errorCode: m?.error?.params.code ?? item.errorCode,
        };
      })
      .sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));

  const simulateReply = (input: InboundInput): null => {
    if (!status.sandboxUrl) fail("sandbox.off");
    const from = normalisePhone(input.from);
    if (!from.ok) fail(from.error.code, from.error.params as Record<string, string>);
    if (input.text.trim() === "") fail("body.required");
    if (input.channel === "whatsapp") windows.set(from.e164, new Date().toISOString());
    changed();
    return null;
  };

  const sendProviderTest = (id: string, to: string) => {
    const check = providers.check(id);
    const view = providers.list().find((p) => p.id === id) ?? fail("not_found");
    let address = to.trim();
    if (view.channel === "email") {
      const email = normaliseEmail(to);
      address = email.ok ? email.e164 : fail(email.error.code, email.error.params as Record<string, string>);
    } else if (view.channel === "push") {
      if (address === "") fail("push.token_required");
    } else {
      const phone = normalisePhone(to);
      address = phone.ok ? phone.e164 : fail(phone.error.code, phone.error.params as Record<string, string>);
    }
    const now = new Date().toISOString();
    const messageId = `SMtest${Date.now().toString(16)}`;
    if (check.sandbox) {
      inbox.push({
        id: `sim-${messageId}`,
        messageId: null,
        channel: view.channel,
        provider: id,
        to: address,
        at: now,
        status: view.channel === "email" ? "received" : view.channel === "voice" ? "completed" : "delivered",
        title: view.channel === "email" || view.channel === "push" ? (status.language === "ar" ? "رسالة تجربة من واصل" : "A test from Wasel") : null,
        text: status.language === "ar" ? "هذه رسالة تجربة من واصل." : "This is a test message from Wasel.",
        html: null,
        from: null,
        language: status.language,
        attachments: [],
        voice: view.channel === "voice" ? FAKE_VOICES[status.language] : null,
        durationSecs: view.channel === "voice" ? 3 : null,
        errorCode: null,
      });
      changed();
    }
    return { ...check, detail: messageId };
  };

  const handle = (cmd: string, args: Record<string, unknown> = {}): unknown => {
    switch (cmd) {
      case "app_status":
        return structuredClone(status);
      case "set_language":
        status.language = args.language as Language;
        return structuredClone(status);
      case "preview_sms":
        return previewOf(args.input as SmsDraft);
      case "send_sms": {
        const input = args.input as SendSmsInput;
        return sendMessage({ ...input, channel: "sms", template: null, subject: null, html: null, attachments: [], language: null })[0];
      }
      case "preview_message":
        return previewMessage(args.input as SendMessageInput);
      case "send_message":
        return sendMessage(args.input as SendMessageInput);
      case "whatsapp_templates":
        return structuredClone(templates);
      case "refresh_whatsapp_templates": {
        const at = new Date().toISOString();
        templates.forEach((t) => (t.fetchedAt = at));
        return structuredClone(templates);
      }
      case "guardian_devices": {
        const id = args.guardianId as string;
        if (!FAKE_GUARDIANS.some((g) => g.id === id)) fail("guardian.not_found");
        return structuredClone(devices.get(id) ?? []);
      }
      case "sandbox_inbox":
        return sandboxInbox((args.channel as MessageChannel | null | undefined) ?? null);
      case "clear_sandbox_inbox":
        inbox.length = 0;
        return null;
      case "simulate_reply":
        return simulateReply(args.input as InboundInput);
      case "list_providers":
        return providers.list();
      case "save_provider": {
        const list = providers.save(args.input as ProviderInput);
        status.sandbox = !providers.anyConfigured();
        return list;
      }
      case "clear_provider": {
        const list = providers.clear(args.id as string);
        status.sandbox = !providers.anyConfigured();
        return list;
      }
      case "set_failover_order":
        return providers.setOrder(args.channel as MessageChannel, args.ids as string[]);
      case "test_provider":
        return providers.check(args.id as string);
      case "send_provider_test":
        return sendProviderTest(args.id as string, args.to as string);
      case "list_messages": {
        const filter = args.filter as MessageFilter;
        const rows = messages
          .filter((m) => !filter.status || m.status === filter.status)
          .filter((m) => !filter.channel || m.channel === filter.channel)
          .filter((m) => !filter.provider || m.provider === filter.provider)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .slice(0, filter.limit ?? 100);
        return structuredClone(rows);
      }
      case "message_timeline": {
        const id = args.id as string;
        if (!messages.some((m) => m.id === id)) fail("message.not_found");
        return structuredClone(events.get(id) ?? []);
      }
      case "list_guardians":
        return structuredClone(FAKE_GUARDIANS);
      case "act_on_message":
        return act(args.id as string, args.action as OperatorAction);
      case "needs_attention":
        return structuredClone(
          messages.filter((m) => m.status === "unknown").sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
        );
      case "message_attempts": {
        const id = args.id as string;
        if (!messages.some((m) => m.id === id)) fail("message.not_found");
        return structuredClone(attempts.get(id) ?? []);
      }
      case "outbox_settings":
        return structuredClone(outbox);
      case "save_outbox_settings":
        return saveOutbox(args.input as OutboxSettings);
      default:
        fail("internal");
    }
  };

  return { handle, messages, events, attempts, outbox, status, templates, devices, windows, providers, inbox };
}

type CreateInput = {
  channel?: MessageChannel;
  to: string;
  body: string;
  guardianId: string | null;
  title?: string | null;
  scheduled?: boolean;
  sendAt?: string | null;
  expiresAt?: string | null;
  urgent?: boolean | null;
};
type Create = (input: CreateInput, at: Date) => MessageView;
type SetStatus = (m: MessageView, next: MessageStatus, source: MessageEventView["source"], at: Date, detail?: string | null) => void;
type AddAttempt = (m: MessageView, a: Partial<Omit<AttemptView, "startedAt">> & { startedAt: Date }) => void;
type ToInbox = (m: MessageView, extra?: Partial<InboxItem>) => void;

/** A morning at the reception desk: a few messages in every interesting state. */
function seed(create: Create, setStatus: SetStatus, addAttempt: AddAttempt) {
  const now = Date.now();
  const ago = (minutes: number, plusSeconds = 0) => new Date(now - minutes * 60_000 + plusSeconds * 1000);
  const walk = (m: MessageView, minutes: number, path: [MessageStatus, MessageEventView["source"]][]) =>
    path.forEach(([s, source], i) => setStatus(m, s, source, ago(minutes, (i + 1) * 4)));

  const a = create(
    { to: "0551234567", body: "تذكير: موعد جلسة العلاج الطبيعي لريم غدًا الساعة 9:30 صباحًا. نرجو الحضور قبل الموعد بعشر دقائق.", guardianId: "g1" },
    ago(185),
  );
  walk(a, 185, [["sending", "dispatch"], ["sent", "dispatch"], ["delivered", "webhook"], ["read", "poll"]]);
  const b = create(
    { to: "0502345678", body: "نتيجة تحليل فيصل جاهزة، ويمكنكم استلامها من الاستقبال.", guardianId: "g2" },
    ago(120),
  );
  walk(b, 120, [["sending", "dispatch"], ["sent", "dispatch"], ["delivered", "webhook"]]);
  const c = create(
    { to: "+966561112233", body: "Reminder: Adam's speech therapy session is tomorrow at 10:00.", guardianId: "g3" },
    ago(64),
  );
  walk(c, 64, [["sending", "dispatch"], ["sent", "dispatch"]]);
  const d = create({ to: "0533334444", body: "الوصفة الطبية للمى جاهزة في الصيدلية.", guardianId: "g4" }, ago(30));
  walk(d, 30, [["sending", "dispatch"]]);
  addAttempt(d, { startedAt: ago(30, 5), latencyMs: 4870, httpStatus: 503, errorClass: "retryable" });
  addAttempt(d, { startedAt: ago(30, 8), latencyMs: 610, httpStatus: 400, providerErrorCode: "21610", errorClass: "permanent" });
  setStatus(d, "failed", "dispatch", ago(30, 12), "21610");
  d.error = { code: "provider.opted_out", params: {} };
  create({ to: "0598765432", body: "نرحب بكم في مركز الرعاية النهارية. أوقات الاستقبال من 7 صباحًا حتى 3 عصرًا.", guardianId: "g5" }, ago(2));
}

/** Sends that stopped half-way (the program closed mid-send), and one message waiting for its time. */
function seedAttention(create: Create, setStatus: SetStatus, addAttempt: AddAttempt) {
  const now = Date.now();
  const ago = (minutes: number, plusSeconds = 0) => new Date(now - minutes * 60_000 + plusSeconds * 1000);
  const e = create({ to: "0502345678", body: "تذكير: اجتماع أولياء الأمور يوم الخميس الساعة 4 عصرًا في قاعة المركز.", guardianId: "g2" }, ago(95));
  setStatus(e, "sending", "dispatch", ago(95, 3));
  addAttempt(e, { startedAt: ago(95, 3), errorClass: "retryable" });
  setStatus(e, "unknown", "dispatch", ago(90), "lease expired while sending");
  const f = create({ to: "0533334444", body: "نرجو إحضار بطاقة التطعيم الخاصة بلمى غدًا.", guardianId: "g4" }, ago(48));
  setStatus(f, "sending", "dispatch", ago(48, 2));
  addAttempt(f, { startedAt: ago(48, 2), errorClass: "retryable" });
  setStatus(f, "unknown", "dispatch", ago(43), "lease expired while sending");
  create(
    { to: "0551234567", body: "تذكير: موعد التقييم السنوي لريم بعد غد الساعة 10 صباحًا.", guardianId: "g1", scheduled: true },
    ago(10),
  );
}

/** One message on every other channel, delivered to the simulators, and a guardian who replied on WhatsApp. */
function seedChannels({
  create,
  setStatus,
  toInbox,
  windows,
}: {
  create: Create;
  setStatus: SetStatus;
  toInbox: ToInbox;
  windows: Map<string, string>;
}) {
  const now = Date.now();
  const ago = (minutes: number, plusSeconds = 0) => new Date(now - minutes * 60_000 + plusSeconds * 1000);
  const walk = (m: MessageView, minutes: number, path: MessageStatus[]) =>
    path.forEach((s, i) => setStatus(m, s, i < 2 ? "dispatch" : "webhook", ago(minutes, (i + 1) * 3)));

  const sms = create({ to: "0551234567", body: "تذكير: موعد جلسة العلاج الطبيعي لريم غدًا الساعة 9:30 صباحًا.", guardianId: "g1" }, ago(240));
  walk(sms, 240, ["sending", "sent", "delivered"]);
  toInbox(sms);

  const wa = create(
    {
      channel: "whatsapp",
      to: "0502345678",
      body: "مرحبًا عبدالله، نذكّركم بموعد جلسة النطق لفيصل غدًا الساعة 10:00. مركز واصل للرعاية النهارية.",
      title: "appointment_reminder (ar)",
      guardianId: "g2",
    },
    ago(150),
  );
  walk(wa, 150, ["sending", "sent", "delivered", "read"]);
  toInbox(wa, { title: "appointment_reminder", language: "ar" });
  // Sarah wrote back an hour ago: free text is allowed to her until tomorrow.
  windows.set("+966561112233", ago(60).toISOString());

  const email = create(
    {
      channel: "email",
      to: "sarah.williams@example.com",
      body: "Dear Sarah,\n\nAdam's monthly progress report is attached.\n\nWasel Day Care",
      title: "Adam's progress report — November",
      guardianId: "g3",
    },
    ago(90),
  );
  walk(email, 90, ["sending", "sent"]);
  toInbox(email, {
    status: "received",
    html: "<p>Dear Sarah,</p><p>Adam's monthly <strong>progress report</strong> is attached.</p><p>Wasel Day Care</p>",
    attachments: [{ filename: "progress-report-november.pdf", contentType: "application/pdf", size: 184_320 }],
  });

  for (const [token, service, language] of [
    ["fcm-token-7c41a9", "fcm", "ar"],
    ["os-sub-0b52e3", "onesignal", "en"],
  ] as const) {
    const push = create(
      { channel: "push", to: token, body: "وصلت نتيجة تقييم ريم السنوي. افتح التطبيق للاطلاع عليها.", title: "نتيجة التقييم", guardianId: "g1" },
      ago(45),
    );
    push.provider = service;
    walk(push, 45, ["sending", "sent", "delivered"]);
    toInbox(push, { language, provider: service, status: "delivered" });
  }

  const call = create(
    { channel: "voice", to: "0533334444", body: "مرحبًا، هذا مركز واصل. نذكّركم بموعد لمى غدًا الساعة التاسعة صباحًا.", guardianId: "g4" },
    ago(20),
  );
  walk(call, 20, ["sending", "sent", "delivered"]);
  toInbox(call, { language: "arb", voice: FAKE_VOICES.ar, status: "completed" });

  const missed = create(
    { channel: "voice", to: "0555000002", body: "مرحبًا، هذا مركز واصل. نرجو الاتصال بنا بخصوص موعد الغد.", guardianId: null },
    ago(12),
  );
  walk(missed, 12, ["sending", "sent"]);
  setStatus(missed, "failed", "webhook", ago(11), "no-answer");
  missed.error = { code: "provider.undelivered", params: { code: "no-answer" } };
  toInbox(missed, { language: "arb", voice: FAKE_VOICES.ar, status: "no-answer", errorCode: "no-answer" });
}

