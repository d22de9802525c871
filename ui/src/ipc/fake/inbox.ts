// The sandbox inbox: what each recipient would have seen, and simulated replies.
import type {
  InboundInput,
  InboxItem,
  MessageChannel,
} from "../bindings";
import { fail, normaliseEmail, normalisePhone } from "./rules";
import { FAKE_VOICES, type FakeInboxEntry } from "./store";
import type { Store } from "./store";

export function inboxFeature(s: Store) {
  const { status, messages, windows, inbox, providers, changed } = s;
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

  return { sandboxInbox, simulateReply, sendProviderTest };
}
