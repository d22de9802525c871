//! The one typed door to the Rust side: unwraps `Result<T, ErrorPayload>` into values or a thrown
//! `IpcError`, and turns the backend's `messages-changed` event into query invalidations.
import { listen } from "@tauri-apps/api/event";
import type { QueryClient } from "@tanstack/react-query";
import {
  commands,
  type AppStatus,
  type AttemptView,
  type AuditEntryView,
  type AuditFilterInput,
  type AuditVerification,
  type AuthState,
  type ConsentSource,
  type ConsentView,
  type ContactInput,
  type ContactView,
  type DeviceView,
  type ErrorPayload,
  type FamilyView,
  type GuardianView,
  type InboundInput,
  type InboxItem,
  type Language,
  type LoginInput,
  type MessageChannel,
  type MessageEventView,
  type MessageFilter,
  type MessagePreview,
  type MessageView,
  type NewUserInput,
  type OperatorAction,
  type OutboxSettings,
  type ProviderCheckView,
  type ProviderInput,
  type ProviderView,
  type Role,
  type SecuritySettings,
  type SavedExport,
  type SendMessageInput,
  type SessionView,
  type TemplateView,
  type UserView,
} from "./bindings";

export type * from "./bindings";

/** What every generated command resolves to (tauri-specta's `typedError`). */
type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: ErrorPayload };

/** A failure reported by the backend as a stable code with parameters (translate `errors.<code>`). */
export class IpcError extends Error {
  readonly payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(payload.code);
    this.name = "IpcError";
    this.payload = payload;
  }

  get code(): string {
    return this.payload.code;
  }
}

/** Anything thrown on the way (a bridge failure, a bug) becomes the generic `internal` code. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof IpcError) return error.payload;
  if (isErrorPayload(error)) return error;
  return { code: "internal", params: {} };
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

async function unwrap<T>(call: () => Promise<CommandResult<T>>): Promise<T> {
  let result: CommandResult<T>;
  try {
    result = await call();
  } catch (error) {
    // The bridge itself failed (no Tauri runtime, a panic turned into a string, ...).
    if (import.meta.env.DEV) console.error("IPC call failed", error);
    throw new IpcError(toErrorPayload(error));
  }
  if (result.status === "error") {
    throw new IpcError(isErrorPayload(result.error) ? normalise(result.error) : { code: "internal", params: {} });
  }
  return result.data;
}

function normalise(payload: ErrorPayload): ErrorPayload {
  return { code: payload.code, params: payload.params ?? {} };
}

export const ipc = {
  appStatus: (): Promise<AppStatus> => unwrap(() => commands.appStatus()),
  setLanguage: (language: Language): Promise<AppStatus> => unwrap(() => commands.setLanguage(language)),
  previewMessage: (input: SendMessageInput): Promise<MessagePreview> => unwrap(() => commands.previewMessage(input)),
  /** One message per channel, except push: one per device of the guardian. */
  sendMessage: (input: SendMessageInput): Promise<MessageView[]> => unwrap(() => commands.sendMessage(input)),
  whatsappTemplates: (): Promise<TemplateView[]> => unwrap(() => commands.whatsappTemplates()),
  refreshWhatsappTemplates: (): Promise<TemplateView[]> => unwrap(() => commands.refreshWhatsappTemplates()),
  guardianDevices: (guardianId: string): Promise<DeviceView[]> => unwrap(() => commands.guardianDevices(guardianId)),
  sandboxInbox: (channel: MessageChannel | null): Promise<InboxItem[]> => unwrap(() => commands.sandboxInbox(channel)),
  clearSandboxInbox: (): Promise<null> => unwrap(() => commands.clearSandboxInbox()),
  simulateReply: (input: InboundInput): Promise<null> => unwrap(() => commands.simulateReply(input)),
  listMessages: (filter: MessageFilter): Promise<MessageView[]> => unwrap(() => commands.listMessages(filter)),
  messageTimeline: (id: string): Promise<MessageEventView[]> => unwrap(() => commands.messageTimeline(id)),
  listGuardians: (): Promise<GuardianView[]> => unwrap(() => commands.listGuardians()),
  actOnMessage: (id: string, action: OperatorAction): Promise<MessageView> =>
    unwrap(() => commands.actOnMessage(id, action)),
  needsAttention: (): Promise<MessageView[]> => unwrap(() => commands.needsAttention()),
  messageAttempts: (id: string): Promise<AttemptView[]> => unwrap(() => commands.messageAttempts(id)),
  listProviders: (): Promise<ProviderView[]> => unwrap(() => commands.listProviders()),
  saveProvider: (input: ProviderInput): Promise<ProviderView[]> => unwrap(() => commands.saveProvider(input)),
  clearProvider: (id: string): Promise<ProviderView[]> => unwrap(() => commands.clearProvider(id)),
  setFailoverOrder: (channel: MessageChannel, ids: string[]): Promise<ProviderView[]> =>
    unwrap(() => commands.setFailoverOrder(channel, ids)),
  testProvider: (id: string): Promise<ProviderCheckView> => unwrap(() => commands.testProvider(id)),
  sendProviderTest: (id: string, to: string): Promise<ProviderCheckView> => unwrap(() => commands.sendProviderTest(id, to)),
  outboxSettings: (): Promise<OutboxSettings> => unwrap(() => commands.outboxSettings()),
  saveOutboxSettings: (input: OutboxSettings): Promise<OutboxSettings> =>
    unwrap(() => commands.saveOutboxSettings(input)),
  securitySettings: (): Promise<SecuritySettings> => unwrap(() => commands.securitySettings()),
  saveSecuritySettings: (input: SecuritySettings): Promise<SecuritySettings> =>
    unwrap(() => commands.saveSecuritySettings(input)),
  // Signing in. The session token stays in the Rust host; the window only sees the session's view.
  authState: (): Promise<AuthState> => unwrap(() => commands.authState()),
  createFirstAdmin: (input: NewUserInput): Promise<SessionView> => unwrap(() => commands.createFirstAdmin(input)),
  login: (input: LoginInput): Promise<SessionView> => unwrap(() => commands.login(input)),
  logout: (): Promise<null> => unwrap(() => commands.logout()),
  /** A person typed or clicked (never a background refresh): the idle clock starts again. */
  consoleActivity: (): Promise<null> => unwrap(() => commands.consoleActivity()),
  lockConsole: (): Promise<null> => unwrap(() => commands.lockConsole()),
  unlockConsole: (password: string): Promise<SessionView> => unwrap(() => commands.unlockConsole(password)),
  changeOwnPassword: (current: string, password: string): Promise<null> =>
    unwrap(() => commands.changeOwnPassword(current, password)),
  listUsers: (): Promise<UserView[]> => unwrap(() => commands.listUsers()),
  createUser: (input: NewUserInput): Promise<UserView> => unwrap(() => commands.createUser(input)),
  setUserRoles: (id: string, roles: Role[]): Promise<UserView> => unwrap(() => commands.setUserRoles(id, roles)),
  setUserDisabled: (id: string, disabled: boolean): Promise<UserView> =>
    unwrap(() => commands.setUserDisabled(id, disabled)),
  resetUserPassword: (id: string, password: string): Promise<UserView> =>
    unwrap(() => commands.resetUserPassword(id, password)),
  auditEntries: (filter: AuditFilterInput): Promise<AuditEntryView[]> => unwrap(() => commands.auditEntries(filter)),
  /** Saved by the host in the Downloads folder; the answer says where. */
  exportAuditCsv: (filter: AuditFilterInput): Promise<SavedExport> => unwrap(() => commands.exportAuditCsv(filter)),
  verifyAudit: (): Promise<AuditVerification> => unwrap(() => commands.verifyAudit()),
  /** By a phone in any Saudi form, a file number, or the starts of name words; empty: the first 50 by name. */
  searchContacts: (query: string, limit: number | null = null): Promise<ContactView[]> =>
    unwrap(() => commands.searchContacts(query, limit)),
  contactFamily: (guardianId: string): Promise<FamilyView> => unwrap(() => commands.contactFamily(guardianId)),
  /** A new family when `guardianId` is null, else changes to one. */
  saveContact: (input: ContactInput): Promise<ContactView> => unwrap(() => commands.saveContact(input)),
  setConsent: (guardianId: string, channel: MessageChannel, optedIn: boolean, source: ConsentSource): Promise<ConsentView[]> =>
    unwrap(() => commands.setConsent(guardianId, channel, optedIn, source)),
};

/** Query keys in one place so invalidation matches what the hooks cache. */
export const queryKeys = {
  appStatus: ["app-status"] as const,
  guardians: ["guardians"] as const,
  messagesRoot: ["messages"] as const,
  messages: (filter: MessageFilter) => ["messages", "list", filter] as const,
  timeline: (id: string) => ["messages", "timeline", id] as const,
  attempts: (id: string) => ["messages", "attempts", id] as const,
  // Under `messages` so the `messages-changed` event refreshes the count and the list too.
  attention: ["messages", "attention"] as const,
  // Under `messages` so a status change (or a simulated reply) refreshes what the families saw.
  inbox: (channel: MessageChannel | null) => ["messages", "inbox", channel] as const,
  outboxSettings: ["outbox-settings"] as const,
  preview: (input: SendMessageInput) => ["message-preview", input] as const,
  templates: ["whatsapp-templates"] as const,
  devices: (guardianId: string) => ["guardian-devices", guardianId] as const,
  providers: ["providers"] as const,
  securitySettings: ["security-settings"] as const,
  authState: ["auth-state"] as const,
  users: ["users"] as const,
  auditRoot: ["audit"] as const,
  audit: (filter: AuditFilterInput) => ["audit", "list", filter] as const,
  contactsRoot: ["contacts"] as const,
  contacts: (query: string) => ["contacts", "search", query] as const,
  // A family's messages change with them: the `messages-changed` event refreshes these too.
  familyRoot: ["contacts", "family"] as const,
  family: (guardianId: string) => ["contacts", "family", guardianId] as const,
};

export const MESSAGES_CHANGED_EVENT = "messages-changed";

/**
 * Invalidates every messages query (and the families' messages) when the backend reports a status change.
 * Returns a clean-up function; outside Tauri (plain browser, tests without a mock) it does nothing.
 */
export function subscribeToMessageChanges(client: QueryClient): () => void {
  let unlisten: (() => void) | undefined;
  let cancelled = false;
  listen(MESSAGES_CHANGED_EVENT, () => {
    void client.invalidateQueries({ queryKey: queryKeys.messagesRoot });
    void client.invalidateQueries({ queryKey: queryKeys.familyRoot });
  })
    .then((stop) => {
      if (cancelled) quietly(stop);
      else unlisten = stop;
    })
    .catch(() => {
      // No event bridge here; the list's refetchInterval keeps it fresh.
    });
  return () => {
    cancelled = true;
    if (unlisten) quietly(unlisten);
  };
}

/** Unlistening while the window (or a test's IPC mock) is being torn down may fail; nothing to do then. */
function quietly(stop: () => unknown): void {
  try {
    void Promise.resolve(stop()).catch(() => undefined);
  } catch {
    // see above
  }
}
