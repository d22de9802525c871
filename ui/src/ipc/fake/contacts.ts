// Contacts: the families seeded from `FAKE_GUARDIANS`, searched the way the core searches them
// (`crates/core/src/contacts/mod.rs`), saved with the core's checks, with consent per channel.
// Every change is audited as the core audits it: which fields changed, never their values.
import type { ConsentSource, ConsentView, ContactInput, ContactView, FamilyView, MessageChannel } from "../bindings";
import type { AuditTrail } from "./audit";
import { displayPhone, fail, normaliseEmail, normalisePhone } from "./rules";
import { FAKE_GUARDIANS, type Store } from "./store";

/**
 * Names as people type them, folded so that spellings of one name meet; the same rules as
 * `fold` in `crates/core/src/domain/search.rs` (keep the two in step): Arabic diacritics and
 * tatweel dropped, أ إ آ ٱ as ا, ى ی ئ as ي, ة as ه, ؤ as و, Arabic-Indic and Persian digits as
 * ASCII, Latin lower-cased, anything that is not a letter or digit a single space.
 */
/** A file number as stored and compared (`f-2001`, `F 2001` → `F2001`), as `file_number_key` in the core. */
export function fileNumberKey(raw: string): string {
  return fold(raw).replace(/ /g, "").toUpperCase();
}

export function fold(text: string): string {
  let out = "";
  let space = true;
  const push = (c: string) => {
    if (c === " ") {
      if (!space) {
        out += " ";
        space = true;
      }
    } else {
      out += c;
      space = false;
    }
  };
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    // Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks; tatweel; Latin combining
    // accents; bidi and zero-width marks pasted from other programs.
    if (
      (code >= 0x64b && code <= 0x65f) ||
      code === 0x670 ||
      (code >= 0x6d6 && code <= 0x6ed) ||
      code === 0x640 ||
      (code >= 0x300 && code <= 0x36f) ||
      (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069) ||
      code === 0xfeff
    ) {
      continue;
    }
    if ("أإآٱٲٳ".includes(c)) push("ا");
    else if ("ىیئ".includes(c)) push("ي");
    else if (c === "ة") push("ه");
    else if (c === "ؤ") push("و");
    else if (c === "ک") push("ك");
    else if (code >= 0x660 && code <= 0x669) push(String(code - 0x660));
    else if (code >= 0x6f0 && code <= 0x6f9) push(String(code - 0x6f0));
    else if (isAlnum(c)) {
      for (const l of c.toLowerCase()) if (isAlnum(l)) push(l);
    } else push(" ");
  }
  return out.endsWith(" ") ? out.slice(0, -1) : out;
}

const isAlnum = (c: string) => /^[\p{Alphabetic}\p{N}]$/u.test(c);

/** The distinct folded words, each with the article `ال` also dropped (`terms` in search.rs). */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of fold(text).split(" ").filter((w) => w !== "")) {
    const bare = word.startsWith("ال") && [...word.slice(2)].length >= 2 ? word.slice(2) : null;
    for (const w of [word, bare]) if (w !== null && !out.includes(w)) out.push(w);
  }
  return out;
}

/** The most contacts one search answers, and how many words of a query are looked up. */
const MAX_RESULTS = 200;
const MAX_QUERY_TERMS = 4;
const CHANNELS: readonly MessageChannel[] = ["sms", "whatsapp", "email", "push", "voice"];

type Extra = Pick<ContactView, "nameEn" | "relationship" | "tags" | "beneficiaryNameEn" | "fileNumber" | "programme">;

/** What the desk knows of each seeded guardian beyond `FAKE_GUARDIANS`. */
const SEED: Record<string, Extra> = {
  g1: { nameEn: "Noura Alotaibi", relationship: "الأم", tags: ["متابعة أسبوعية"], beneficiaryNameEn: "Reem Alotaibi", fileNumber: "10231", programme: "النطق والتخاطب" },
  g2: { nameEn: "Abdullah Alqahtani", relationship: "الأب", tags: [], beneficiaryNameEn: "Faisal Alqahtani", fileNumber: "10488", programme: "العلاج الوظيفي" },
  g3: { nameEn: null, relationship: "الأم", tags: ["تفضّل الإنجليزية"], beneficiaryNameEn: null, fileNumber: "20017", programme: "التدخل المبكر" },
  g4: { nameEn: "Munira Alshehri", relationship: "الأم", tags: ["نقل مدرسي", "حساسية"], beneficiaryNameEn: "Lama Alshehri", fileNumber: "10562", programme: "النطق والتخاطب" },
  g5: { nameEn: "Khalid Aldosari", relationship: "الأب", tags: [], beneficiaryNameEn: null, fileNumber: null, programme: null },
};

let counter = 0;
const newId = () => `0190cccc-0000-7000-8000-${String((counter += 1)).padStart(12, "0")}`;

export function contactsFeature(store: Store, audit: AuditTrail, actor: () => string) {
  const start = new Date(Date.now() - 60 * 86_400_000).toISOString();
  const contacts: ContactView[] = FAKE_GUARDIANS.map((g) => {
    const extra = SEED[g.id] ?? { nameEn: null, relationship: null, tags: [], beneficiaryNameEn: null, fileNumber: null, programme: null };
    return {
      guardianId: g.id,
      name: g.name,
      phone: g.phone,
      phoneDisplay: g.phoneDisplay,
      email: g.email,
      language: g.language,
      beneficiaryId: g.beneficiaryName ? `b-${g.id}` : null,
      beneficiaryName: g.beneficiaryName,
      updatedAt: start,
      ...extra,
    };
  });
  const consents = new Map<string, Map<MessageChannel, ConsentView>>();

  const wordsOf = (c: ContactView) =>
    [...new Set([c.name, c.nameEn, c.beneficiaryName, c.beneficiaryNameEn].flatMap((n) => (n ? terms(n) : [])))];
  const byName = (a: ContactView, b: ContactView) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const answer = (rows: ContactView[], limit: number) => structuredClone([...rows].sort(byName).slice(0, limit));
  const find = (id: string): ContactView => contacts.find((c) => c.guardianId === id.trim()) ?? fail("guardian.not_found");

  const search = (query: string, limit: number | null): ContactView[] => {
    const max = Math.min(Math.max(limit ?? 50, 1), MAX_RESULTS);
    const folded = fold(query);
    if (folded === "") return answer(contacts, max);
    const phone = normalisePhone(query);
    if (phone.ok) return answer(contacts.filter((c) => c.phone === phone.e164), max);
    if (/[0-9]/.test(folded)) {
      const file = fileNumberKey(query);
      const found = contacts.filter((c) => c.fileNumber === file);
      if (found.length > 0) return answer(found, max);
    }
    const wanted = folded.split(" ").slice(0, MAX_QUERY_TERMS);
    return answer(
      contacts.filter((c) => {
        const words = wordsOf(c);
        return wanted.every((w) => words.some((t) => t.startsWith(w)));
      }),
      max,
    );
  };

  const consentViews = (id: string): ConsentView[] =>
    structuredClone([...(consents.get(id)?.values() ?? [])].sort((a, b) => a.channel.localeCompare(b.channel)));

  const family = (id: string): FamilyView => {
    const contact = find(id);
    const sent = store.messages
      .filter((m) => store.guardianOf.get(m.id) === contact.guardianId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, 50);
    return { contact: structuredClone(contact), consents: consentViews(contact.guardianId), messages: structuredClone(sent) };
  };

  const record = (action: string, id: string, before: unknown, after: unknown) =>
    audit.append({
      actor: actor(),
      origin: "console",
      action,
      entity: "guardian",
      entityId: id,
      before: before === null ? null : JSON.stringify(before),
      after: JSON.stringify(after),
    });

  const save = (input: ContactInput): ContactView => {
    const name = input.name.trim();
    if (name === "") fail("contact.name_required", { field: "name" });
    const beneficiaryName = input.beneficiaryName.trim();
    if (beneficiaryName === "") fail("contact.name_required", { field: "beneficiaryName" });
    let phone: string | null = null;
    if ((input.phone ?? "").trim() !== "") {
      const checked = normalisePhone(input.phone ?? "");
      if (!checked.ok) fail(checked.error.code, checked.error.params as Record<string, string>);
      phone = checked.e164;
    }
    let email: string | null = null;
    if ((input.email ?? "").trim() !== "") {
      const checked = normaliseEmail(input.email ?? "");
      if (!checked.ok) fail(checked.error.code, checked.error.params as Record<string, string>);
      email = checked.e164;
    }
    const fileNumber = fileNumberKey(input.fileNumber ?? "") || null;
    const tags = (input.tags ?? []).map((t) => t.trim().replace(/,/g, " ")).filter((t) => t !== "");
    const trimmed = (s: string | null | undefined) => s?.trim() || null;
    const existingId = input.guardianId?.trim() || null;
    const existing = existingId === null ? null : find(existingId);
    if (fileNumber && contacts.some((c) => c !== existing && c.fileNumber === fileNumber)) {
      fail("contact.file_number_taken", { field: "fileNumber" });
    }
    const fields: Omit<ContactView, "guardianId" | "beneficiaryId"> = {
      name,
      nameEn: trimmed(input.nameEn),
      phone,
      phoneDisplay: phone ? displayPhone(phone) : null,
      email,
      language: input.language,
      relationship: trimmed(input.relationship),
      tags,
      beneficiaryName,
      beneficiaryNameEn: trimmed(input.beneficiaryNameEn),
      fileNumber,
      programme: trimmed(input.programme),
      updatedAt: new Date().toISOString(),
    };
    if (existing) {
      const changed = changedFields(existing, fields);
      Object.assign(existing, fields, { beneficiaryId: existing.beneficiaryId ?? newId() });
      record("contact.update", existing.guardianId, null, { fields: changed });
      return structuredClone(existing);
    }
    const contact: ContactView = { guardianId: newId(), beneficiaryId: newId(), ...fields };
    contacts.push(contact);
    record("contact.create", contact.guardianId, null, { fields: ["created"] });
    return structuredClone(contact);
  };

  const setConsent = (id: string, channel: MessageChannel, optedIn: boolean, source: ConsentSource): ConsentView[] => {
    const contact = find(id);
    if (!CHANNELS.includes(channel)) fail("internal");
    const list = consents.get(contact.guardianId) ?? new Map<MessageChannel, ConsentView>();
    const before = list.get(channel);
    list.set(channel, { channel, optedIn, source, changedAt: new Date().toISOString(), changedBy: actor() });
    consents.set(contact.guardianId, list);
    record(
      "contact.consent",
      contact.guardianId,
      before ? { channel, opted_in: before.optedIn, source: before.source } : null,
      { channel, opted_in: optedIn, source },
    );
    return consentViews(contact.guardianId);
  };

  const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
    search_contacts: (a) => search(String(a.query ?? ""), (a.limit as number | null | undefined) ?? null),
    contact_family: (a) => family(String(a.guardianId ?? "")),
    save_contact: (a) => save(a.input as ContactInput),
    set_consent: (a) => setConsent(String(a.guardianId ?? ""), a.channel as MessageChannel, Boolean(a.optedIn), a.source as ConsentSource),
  };

  return { contacts, consents, search, commands };
}

export type FakeContacts = ReturnType<typeof contactsFeature>;

/** Which fields a save changed, as `changed_fields` in the core names them. */
function changedFields(before: ContactView, after: Omit<ContactView, "guardianId" | "beneficiaryId">): string[] {
  const keys = ["name", "nameEn", "phone", "email", "language", "beneficiaryName", "fileNumber"] as const;
  return keys.filter((k) => before[k] !== after[k]);
}
