//! An in-memory stand-in for the Rust commands, shaped by `bindings.ts`. Used by unit tests and,
//! through `mock.ts`, by screenshot builds in a plain browser. Never part of the shipped app.
import type {
  AppStatus,
  AttemptView,
  ErrorPayload,
  GuardianView,
  Language,
  MessageEventView,
  MessageFilter,
  MessageStatus,
  MessageView,
  OperatorAction,
  OutboxSettings,
  SendSmsInput,
  SmsDraft,
  SmsPreview,
  TwilioCredentialsInput,
} from "./bindings";

export type FakeBackendOptions = {
  language?: Language;
  sandbox?: boolean;
  keychainError?: ErrorPayload | null;
  seedMessages?: boolean;
  /** Adds messages whose outcome is unknown (and one scheduled), for the attention screen. */
  seedAttention?: boolean;
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
};

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

type Phone = { ok: true; e164: string } | { ok: false; error: ErrorPayload };

export function normalisePhone(input: string): Phone {
  const compact = input.replace(/[\s\-().]/g, "");
  if (compact === "") return { ok: false, error: { code: "phone.required", params: {} } };
  const mobile = /^(?:\+966|00966|966|0)?(5\d{8})$/.exec(compact);
  if (mobile) return { ok: true, e164: `+966${mobile[1]}` };
  if (/^(?:\+966|00966|966|0)?1\d{7,8}$/.test(compact)) {
    return { ok: false, error: { code: "phone.not_mobile", params: { input } } };
  }
  return { ok: false, error: { code: "phone.invalid", params: { input } } };
}

export function displayPhone(e164: string): string {
  const m = /^\+966(\d{2})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+966 ${m[1]} ${m[2]} ${m[3]}` : e164;
}

export const FAKE_GUARDIANS: GuardianView[] = [
  guardian("g1", "نورة العتيبي", "+966551234567", "ريم العتيبي"),
  guardian("g2", "عبدالله القحطاني", "+966502345678", "فيصل القحطاني"),
  guardian("g3", "Sarah Williams", "+966561112233", "Adam Williams", "en"),
  guardian("g4", "منيرة الشهري", "+966533334444", "لمى الشهري"),
  guardian("g5", "خالد الدوسري", "+966598765432", null),
];

function guardian(id: string, name: string, phone: string, beneficiaryName: string | null, language: Language = "ar"): GuardianView {
  return { id, name, phone, phoneDisplay: displayPhone(phone), language, beneficiaryName };
}

function fail(code: string, params: Record<string, string> = {}): never {
  // Rejecting with a plain object is what the Rust side does: the bindings turn it into `status: "error"`.
  throw { code, params } satisfies ErrorPayload;
}

export function createFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const stepMs = options.deliveryStepMs ?? 0;
  const status: AppStatus = {
    language: options.language ?? "ar",
    backend: "sqlite",
    sandbox: options.sandbox ?? true,
    sandboxUrl: "http://127.0.0.1:47810",
    keychain: options.keychainError ? "unavailable" : "available",
    keychainError: options.keychainError ?? null,
    twilio: {
      configured: !(options.sandbox ?? true),
      accountSid: options.sandbox ?? true ? null : "AC0123456789abcdef0123456789abcdef",
      fromNumber: options.sandbox ?? true ? null : "+966500000000",
      baseUrl: "http://127.0.0.1:47810/twilio",
    },
  };
  const messages: MessageView[] = [];
  const events = new Map<string, MessageEventView[]>();
  const attempts = new Map<string, AttemptView[]>();
  const outbox: OutboxSettings = { maxAttempts: 5, backoffBaseSecs: 2, backoffMaxSecs: 600, quietHours: null };
  const byKey = new Map<string, MessageView>();
  let sequence = 0;

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
      provider: a.provider ?? "twilio",
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
      m.provider = "twilio";
      m.providerMessageId = `SM${m.id.replace(/-/g, "").slice(0, 32).padEnd(32, "0")}`;
      addAttempt(m, { startedAt: new Date(at.getTime() - 420), latencyMs: 420, httpStatus: 201, outcome: "accepted" });
    }
    if (next === "delivered") m.deliveredAt = m.updatedAt;
    addEvent(m.id, next, source, at, detail);
  };

  const create = (input: CreateInput, at: Date): MessageView => {
    sequence += 1;
    const phone = normalisePhone(input.to);
    if (!phone.ok) fail(phone.error.code, phone.error.params as Record<string, string>);
    const preview = previewOf({ to: input.to, body: input.body });
    const g = FAKE_GUARDIANS.find((x) => x.id === input.guardianId) ?? FAKE_GUARDIANS.find((x) => x.phone === phone.e164);
    const m: MessageView = {
      id: `0190${String(sequence).padStart(4, "0")}-7e57-7000-8000-${String(Date.now()).slice(-12).padStart(12, "0")}`,
      channel: "sms",
      to: phone.e164,
      toDisplay: displayPhone(phone.e164),
      guardianName: g?.name ?? null,
      body: input.body,
      status: input.scheduled ? "scheduled" : "queued",
      provider: null,
      providerMessageId: null,
      segments: preview.segments,
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
    };
    addEvent(m.id, m.status, "dispatch", at);
    messages.push(m);
    return m;
  };

  if (options.seedMessages) seed(create, setStatus, addAttempt);
  if (options.seedAttention) seedAttention(create, setStatus, addAttempt);

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
    const steps: [MessageStatus, MessageEventView["source"], string | null][] = [
      ["sending", "dispatch", null],
      ["sent", "dispatch", "HTTP 201"],
      ["delivered", "webhook", null],
    ];
    steps.forEach(([next, source, detail], i) => {
      later(m, stepMs * (i + 1), () => {
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
        const key = input.idempotencyKey;
        const previous = key ? byKey.get(key) : undefined;
        if (previous) return structuredClone(previous);
        if (input.to.trim() === "") fail("phone.required");
        if (input.body.trim() === "") fail("body.required");
        if ([...input.body].length > 1600) fail("body.too_long", { max: "1600" });
        const now = new Date();
        const sendAt = input.sendAt ? Date.parse(input.sendAt) : null;
        const expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : null;
        if (expiresAt !== null && expiresAt <= now.getTime()) fail("schedule.expired");
        if (sendAt !== null && expiresAt !== null && expiresAt <= sendAt) fail("schedule.expires_before_send");
        const scheduled = sendAt !== null && sendAt > now.getTime();
        const m = create({ ...input, scheduled }, now);
        if (key) byKey.set(key, m);
        changed();
        if (!scheduled) deliver(m);
        else if (stepMs > 0 && sendAt !== null && sendAt - now.getTime() < 2 ** 31 - 1) {
          later(m, sendAt - now.getTime(), () => {
            setStatus(m, "queued", "dispatch", new Date());
            changed();
            deliver(m);
          });
        }
        return structuredClone(m);
      }
      case "list_messages": {
        const filter = args.filter as MessageFilter;
        const rows = messages
          .filter((m) => !filter.status || m.status === filter.status)
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
      case "save_twilio_credentials": {
        const input = args.input as TwilioCredentialsInput;
        if (!/^AC[0-9a-fA-F]{32}$/.test(input.accountSid)) fail("credentials.account_sid_invalid");
        if (input.authToken.trim() === "") fail("credentials.token_required");
        if (!/^(\+\d{8,15}|[A-Za-z0-9 ]{3,11})$/.test(input.fromNumber)) fail("credentials.from_invalid");
        if (status.keychain === "unavailable") fail(status.keychainError?.code ?? "keychain.unavailable");
        status.sandbox = false;
        status.twilio = { ...status.twilio, configured: true, accountSid: input.accountSid, fromNumber: input.fromNumber };
        return structuredClone(status);
      }
      case "clear_twilio_credentials":
        status.sandbox = true;
        status.twilio = { ...status.twilio, configured: false, accountSid: null, fromNumber: null };
        return structuredClone(status);
      default:
        fail("internal");
    }
  };

  return { handle, messages, events, attempts, outbox, status };
}

type CreateInput = {
  to: string;
  body: string;
  guardianId: string | null;
  scheduled?: boolean;
  sendAt?: string | null;
  expiresAt?: string | null;
  urgent?: boolean | null;
};
type Create = (input: CreateInput, at: Date) => MessageView;
type SetStatus = (m: MessageView, next: MessageStatus, source: MessageEventView["source"], at: Date, detail?: string | null) => void;
type AddAttempt = (m: MessageView, a: Partial<Omit<AttemptView, "startedAt">> & { startedAt: Date }) => void;

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
