// An in-memory stand-in for the Rust commands, shaped by `bindings.ts`, one file per feature. Used
// by unit tests and, through `mock.ts`, by screenshot builds in a plain browser. Never part of the
// shipped app.
import type {
  AppStatus,
  AuditFilterInput,
  AttemptView,
  DeviceView,
  InboundInput,
  Language,
  MessageChannel,
  MessageEventView,
  MessageFilter,
  MessageView,
  OperatorAction,
  OutboxSettings,
  ProviderInput,
  SendMessageInput,
  SendSmsInput,
  SmsDraft,
  TemplateView,
} from "../bindings";
import { createAuditTrail, type AuditTrail } from "./audit";
import { composeFeature } from "./compose";
import { contactsFeature, type FakeContacts } from "./contacts";
import { inboxFeature } from "./inbox";
import { messagesFeature } from "./messages";
import { fail, previewOf } from "./rules";
import { seed, seedAttention, seedChannels } from "./seed";
import { sessionsFeature } from "./sessions";
import { settingsFeature } from "./settings";
import { createStore, FAKE_GUARDIANS, type FakeBackendOptions, type FakeInboxEntry } from "./store";
import type { FakeProviders } from "./channels";
import { createAccounts, type Accounts } from "./users";

export type { FakeBackendOptions, FakeInboxEntry };
export type { FakeAuth, FakeUser } from "./users";
export { FAKE_PASSWORD } from "./users";
export { FAKE_GUARDIANS, FAKE_VOICES, MAX_ATTACHMENTS_BYTES } from "./store";
export { fold, terms } from "./contacts";
export { displayPhone, normaliseEmail, normalisePhone, previewOf } from "./rules";

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
  /** Users, the session and the security settings. */
  accounts: Accounts;
  audit: AuditTrail;
  /** The families, their search words and consent. */
  contacts: FakeContacts;
  /** The console locks as after idling: the next command fails with `auth.idle_locked`. */
  lock: () => void;
};

export function createFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const s = createStore(options);
  const { create, setStatus, addAttempt, toInbox } = s;
  const { status, messages, events, attempts, outbox, templates, devices, windows, providers, inbox } = s;
  if (options.seedMessages) seed(create, setStatus, addAttempt);
  if (options.seedAttention) seedAttention(create, setStatus, addAttempt);
  if (options.seedChannels) seedChannels({ create, setStatus, toInbox, windows });
  const { act } = messagesFeature(s);
  const { saveOutbox } = settingsFeature(s);
  const { previewMessage, sendMessage } = composeFeature(s);
  const { sandboxInbox, simulateReply, sendProviderTest } = inboxFeature(s);
  const audit = createAuditTrail();
  const accounts = createAccounts(options.auth ?? "admin", audit);
  const sessions = sessionsFeature(accounts, audit);
  const actor = () => accounts.current()?.username ?? "anonymous";
  const auditCommands: Record<string, (args: Record<string, unknown>) => unknown> = {
    audit_entries: (a) => audit.list(a.filter as AuditFilterInput),
    export_audit_csv: (a) => audit.exportCsv(a.filter as AuditFilterInput, actor()),
    verify_audit: () => audit.verify(),
  };
  const contacts = contactsFeature(s, audit, actor);
  const extra = { ...sessions.commands, ...accounts.commands, ...auditCommands, ...contacts.commands };

  const handle = (cmd: string, args: Record<string, unknown> = {}): unknown => {
    sessions.guard(cmd);
    const answer = cmd in extra ? extra[cmd](args) : handleFeature(cmd, args);
    audited(cmd, args, answer);
    return answer;
  };

  /** What the core audits besides accounts: sends, operator actions, settings and providers. */
  const audited = (cmd: string, args: Record<string, unknown>, answer: unknown) => {
    const entry = (action: string, entity: string, entityId: string | null, after: unknown = null) =>
      audit.append({ actor: actor(), origin: "console", action, entity, entityId, before: null, after: after === null ? null : JSON.stringify(after) });
    if (cmd === "send_message") for (const m of answer as MessageView[]) entry("message.send", "message", m.id, { channel: m.channel });
    if (cmd === "act_on_message") entry(`message.${String(args.action).replace("retryNow", "retry_now")}`, "message", args.id as string);
    if (cmd === "save_outbox_settings") entry("settings.outbox", "settings", "outbox", answer);
    if (cmd === "save_provider") entry("provider.save", "provider", (args.input as ProviderInput).id);
    if (cmd === "clear_provider") entry("provider.clear", "provider", args.id as string);
  };

  const handleFeature = (cmd: string, args: Record<string, unknown>): unknown => {
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

  return { handle, messages, events, attempts, outbox, status, templates, devices, windows, providers, inbox, accounts, audit, contacts, lock: sessions.lock };
}
