// Composing on every channel: the preview and the send, with the backend's checks.
import type {
  ErrorPayload,
  GuardianView,
  InboxItem,
  MessageChannel,
  MessagePreview,
  MessageView,
  SendMessageInput,
} from "../bindings";
import { renderTemplate } from "./channels";
import { WINDOW_HOURS, fail, normaliseEmail, normalisePhone, previewOf } from "./rules";
import { FAKE_GUARDIANS, FAKE_VOICES, MAX_ATTACHMENTS_BYTES } from "./store";
import type { Store } from "./store";

export function composeFeature(s: Store) {
  const { byKey, templates, devices, windows, providers, providerFor, create, toInbox, changed, deliver } = s;

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

  return { previewMessage, sendMessage };
}
