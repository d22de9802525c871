//! A draft per channel (switching channel keeps what was typed on each), what is sent for it, and
//! which field a backend error belongs to.
import type { ErrorPayload, GuardianView, Language, MessageChannel, SendMessageInput, TemplateView } from "../../ipc";

/** A file picked for an email, read in the browser as base64. */
export type PickedFile = { id: string; filename: string; contentType: string; size: number; dataBase64: string };

export type Draft = {
  /** Phone number (SMS, WhatsApp, voice) or email address; push has none. */
  to: string;
  body: string;
  /** Email subject; push title. */
  subject: string;
  html: string;
  attachments: PickedFile[];
  /** WhatsApp: `name|language` of the chosen template, or `FREE_TEXT`. */
  template: string;
  params: string[];
  /** Voice: the spoken language; `null` follows the guardian's. */
  language: Language | null;
  /** Push: the title and text for devices set to English (optional). */
  subjectEn: string;
  bodyEn: string;
};

/** The template choice that means "no template: free text inside the 24-hour window". */
export const FREE_TEXT = "free-text";

export const EMPTY_DRAFT: Draft = {
  to: "",
  body: "",
  subject: "",
  html: "",
  attachments: [],
  template: FREE_TEXT,
  params: [],
  language: null,
  subjectEn: "",
  bodyEn: "",
};

export type Drafts = Record<MessageChannel, Draft>;

export function emptyDrafts(): Drafts {
  return { sms: EMPTY_DRAFT, whatsapp: EMPTY_DRAFT, email: EMPTY_DRAFT, push: EMPTY_DRAFT, voice: EMPTY_DRAFT };
}

/** The guardian's address on a channel: the mobile number, or the email address. */
export function addressFor(channel: MessageChannel, guardian: GuardianView): string {
  if (channel === "email") return guardian.email ?? "";
  if (channel === "push") return "";
  return guardian.phone;
}

/**
 * The voice the backend asks the provider to speak with, by language (Twilio `<Say voice>`; Amazon
 * Polly's Arabic and US English voices).
 */
// As the Twilio voice adapter speaks (crates/core/src/providers/voice/twilio.rs).
export const VOICE_OF: Record<Language, string> = { ar: "Polly.Hala-Neural", en: "Polly.Joanna" };

/** `{{1}}`… replaced by the values typed so far; an empty one keeps its placeholder. */
export function renderPlaceholders(body: string, params: readonly string[]): string {
  return body.replace(/\{\{(\d+)\}\}/g, (whole, n: string) => params[Number(n) - 1]?.trim() || whole);
}

export function templateKey(t: Pick<TemplateView, "name" | "language">): string {
  return `${t.name}|${t.language}`;
}

export function parseTemplateKey(key: string): { name: string; language: string } | null {
  const bar = key.lastIndexOf("|");
  return bar > 0 ? { name: key.slice(0, bar), language: key.slice(bar + 1) } : null;
}

/**
 * One entry per template name and language: several WhatsApp providers may list the same one, and
 * the backend sends whichever copy is approved.
 */
export function usableTemplates(templates: readonly TemplateView[]): TemplateView[] {
  const byKey = new Map<string, TemplateView>();
  for (const t of templates) {
    const key = templateKey(t);
    const seen = byKey.get(key);
    if (!seen || (seen.status !== "approved" && t.status === "approved")) byKey.set(key, t);
  }
  return [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}

type Shared = {
  guardianId: string | null;
  idempotencyKey: string | null;
  sendAt: string | null;
  expiresAt: string | null;
  urgent: boolean;
};

/** What `send_message` gets for this channel's draft. Attachments are left out of previews. */
export function inputFor(
  channel: MessageChannel,
  draft: Draft,
  shared: Shared,
  { withAttachments }: { withAttachments: boolean },
): SendMessageInput {
  const template = channel === "whatsapp" ? parseTemplateKey(draft.template) : null;
  return {
    channel,
    to: channel === "push" ? "" : draft.to,
    guardianId: shared.guardianId,
    body: template ? "" : draft.body,
    idempotencyKey: shared.idempotencyKey,
    sendAt: shared.sendAt,
    expiresAt: shared.expiresAt,
    urgent: shared.urgent,
    template: template ? { ...template, params: draft.params } : null,
    subject: channel === "email" || channel === "push" ? draft.subject : null,
    html: channel === "email" && draft.html.trim() !== "" ? draft.html : null,
    attachments:
      channel === "email" && withAttachments
        ? draft.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, dataBase64: a.dataBase64 }))
        : [],
    language: channel === "voice" ? draft.language : null,
    subjectEn: channel === "push" && draft.subjectEn.trim() !== "" ? draft.subjectEn : null,
    bodyEn: channel === "push" && draft.bodyEn.trim() !== "" ? draft.bodyEn : null,
  };
}

/** What identifies the draft for its idempotency key (files by name and size, not their bytes). */
export function draftSignature(channel: MessageChannel, draft: Draft, shared: Omit<Shared, "idempotencyKey">): string {
  const files = draft.attachments.map((a) => [a.filename, a.size]);
  return JSON.stringify([channel, { ...draft, attachments: files }, shared]);
}

export type ComposeField =
  | "guardian"
  | "to"
  | "subject"
  | "body"
  | "template"
  | "params"
  | "attachments"
  | "devices"
  | "sendAt"
  | "expiresAt";

/** Where a backend error is shown; `null` for a general alert under the form. */
export function composeFieldOf(error: ErrorPayload | null): ComposeField | null {
  const code = error?.code ?? "";
  const group = code.slice(0, code.indexOf("."));
  switch (code) {
    case "schedule.expired":
    case "schedule.expires_before_send":
      return "expiresAt";
    case "template.params":
      return "params";
    case "whatsapp.outside_window":
      return "template";
    case "push.no_devices":
      return "devices";
    case "push.guardian_required":
      return "guardian";
    default:
      break;
  }
  switch (group) {
    case "phone":
    case "email":
      return "to";
    case "body":
      return "body";
    case "subject":
    case "title":
      return "subject";
    case "template":
      return "template";
    case "attachment":
      return "attachments";
    case "guardian":
      return "guardian";
    case "schedule":
      return "sendAt";
    default:
      return null;
  }
}

/** Reads picked files as base64 (without the `data:…;base64,` prefix). */
export async function readFiles(files: readonly File[]): Promise<PickedFile[]> {
  return Promise.all(
    files.map(
      (file) =>
        new Promise<PickedFile>((resolve, reject) => {
          const reader = new FileReader();
          reader.onerror = () => reject(reader.error ?? new Error("read failed"));
          reader.onload = () => {
            const url = typeof reader.result === "string" ? reader.result : "";
            resolve({
              id: crypto.randomUUID(),
              filename: file.name,
              contentType: file.type,
              size: file.size,
              dataBase64: url.slice(url.indexOf(",") + 1),
            });
          };
          reader.readAsDataURL(file);
        }),
    ),
  );
}
