// The fake backend's state and the moves every feature shares: making a message, moving its
// status, recording attempts and events, and what the simulators' inboxes keep.
import type {
  AppStatus,
  AttemptView,
  ErrorPayload,
  GuardianView,
  InboxItem,
  Language,
  MessageChannel,
  MessageEventView,
  MessageStatus,
  MessageView,
  OutboxSettings,
} from "../bindings";
import { createFakeProviders, seedDevices, seedTemplates } from "./channels";
import { displayPhone, fail, normaliseEmail, normalisePhone, previewOf } from "./rules";
import type { FakeAuth } from "./users";

export type FakeBackendOptions = {
  /** Signed in with this role (default `admin`), `signed-out`, or `first-run` (no user at all). */
  auth?: FakeAuth;
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

/** An inbox entry; `messageId` ties its status to the message's as the simulator would move it. */
export type FakeInboxEntry = InboxItem & { messageId: string | null };

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

/** Attachments together, decoded, as the backend limits them. */
export const MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024;
/** The voices the backend asks Twilio for (`<Say voice>`), by language. */
export const FAKE_VOICES: Record<Language, string> = { ar: "Polly.Hala-Neural", en: "Polly.Joanna" };
/** Like the voice simulator: numbers ending 0001 / 0002 / 0003 end busy / no-answer / failed. */
export const CALL_FATES: Record<string, string> = { "0001": "busy", "0002": "no-answer", "0003": "failed" };

export type CreateInput = {
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
export type Create = (input: CreateInput, at: Date) => MessageView;
export type SetStatus = (m: MessageView, next: MessageStatus, source: MessageEventView["source"], at: Date, detail?: string | null) => void;
export type AddAttempt = (m: MessageView, a: Partial<Omit<AttemptView, "startedAt">> & { startedAt: Date }) => void;
export type ToInbox = (m: MessageView, extra?: Partial<InboxItem>) => void;

/** The state of one fake backend, and the moves every feature shares. */
export function createStore(options: FakeBackendOptions = {}) {
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
  /** Message id → the guardian it was sent to, as the core's `messages.guardian_id` keeps it. */
  const guardianOf = new Map<string, string>();
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
    if (g) guardianOf.set(m.id, g.id);
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

  return { options, stepMs, status, messages, events, attempts, outbox, byKey, guardianOf, templates, devices, windows, inbox, providers, providerFor, addEvent, addAttempt, setStatus, create, toInbox, changed, timers, later, stop, deliver };
}

export type Store = ReturnType<typeof createStore>;
