// The fake searches and saves families as the core does (`domain/search.rs`, `contacts/mod.rs`):
// the same folding of names, the same order of checks, the same error codes at the same fields.
import { describe, expect, it } from "vitest";
import type { ContactInput, ContactView, ErrorPayload, FamilyView } from "../bindings";
import { createFakeBackend } from ".";
import { fold, terms } from "./contacts";

function errorOf(run: () => unknown): ErrorPayload | null {
  try {
    run();
    return null;
  } catch (e) {
    return e as ErrorPayload;
  }
}

const family = (name: string, beneficiaryName: string, extra: Partial<ContactInput> = {}): ContactInput => ({
  guardianId: null,
  name,
  beneficiaryName,
  language: "ar",
  ...extra,
});

function desk() {
  const backend = createFakeBackend({ seedMessages: true });
  const search = (query: string, limit: number | null = null) =>
    (backend.handle("search_contacts", { query, limit }) as ContactView[]).map((c) => c.name);
  const save = (input: ContactInput) => backend.handle("save_contact", { input }) as ContactView;
  return { backend, search, save };
}

describe("names fold as the core folds them", () => {
  it("meets every spelling of one name", () => {
    for (const s of ["أحمد", "احمد", "إحمد", "آحمد", "أَحْمَد", "أحـــمد", "\u200fأحمد\u200e"]) expect(fold(s), s).toBe("احمد");
    expect(fold("مُنى")).toBe(fold("مني"));
    expect(fold("فاطمة")).toBe(fold("فاطمه"));
    expect(fold("هيئة")).toBe(fold("هييه"));
    expect(fold("مؤمن")).toBe(fold("مومن"));
    expect(fold("  Sara   AL-Otaibi ")).toBe("sara al otaibi");
    expect(fold("ملف ١٢٣٤")).toBe("ملف 1234");
    expect(fold("۱۲")).toBe("12");
    expect(fold("Zoë")).toBe("zoë");
    expect(fold("Zoe\u0308")).toBe("zoe");
  });

  it("keeps each word once, with and without the article", () => {
    expect(terms("نورة الشهري")).toEqual(["نوره", "الشهري", "شهري"]);
    expect(terms("Sara Sara")).toEqual(["sara"]);
    expect(terms("ال")).toEqual(["ال"]);
    expect(terms("  -- ")).toEqual([]);
  });

  it("is idempotent", () => {
    for (const s of ["إِبْرَاهِيم  الـعـتـيـبـي", "Ù-ñ ٣٤ آمنة", "\ufeffفاطمة\u202b"]) expect(fold(fold(s))).toBe(fold(s));
  });
});

describe("searching families", () => {
  it("lists the first ones by name when nothing is typed, up to the limit", () => {
    const { search } = desk();
    expect(search("")).toEqual(["Sarah Williams", "خالد الدوسري", "عبدالله القحطاني", "منيرة الشهري", "نورة العتيبي"]);
    expect(search("  ", 2)).toEqual(["Sarah Williams", "خالد الدوسري"]);
  });

  it("matches the start of every typed word against the names of guardian and beneficiary, in both languages", () => {
    const { search, save } = desk();
    save(family("أحمد السبيعي", "سارة السبيعي"));
    save(family("إِحْمَد المطيري", "نوف المطيري"));
    save(family("حمد الغامدي", "ليان الغامدي"));
    expect(search("احمد")).toEqual(["أحمد السبيعي", "إِحْمَد المطيري"]);
    expect(search("شهري")).toEqual(["منيرة الشهري"]);
    expect(search("لمى")).toEqual(["منيرة الشهري"]);
    expect(search("munira al")).toEqual(["منيرة الشهري"]);
    expect(search("NOU")).toEqual(["نورة العتيبي"]);
    expect(search("نوره عتي")).toEqual(["نورة العتيبي"]);
    expect(search("نوره قحط")).toEqual([]);
    expect(search("مد")).toEqual([]);
  });

  it("finds a phone in any Saudi form, and a file number ignoring case, spaces and hyphens", () => {
    const { search, save } = desk();
    for (const q of ["0551234567", "+966 55 123 4567", "00966551234567", "٠٥٥١٢٣٤٥٦٧", "551234567"]) {
      expect(search(q), q).toEqual(["نورة العتيبي"]);
    }
    save(family("هيفاء الزهراني", "جود الزهراني", { fileNumber: "MRN-2291" }));
    expect(search("mrn 2291")).toEqual(["هيفاء الزهراني"]);
    expect(search("MRN2291")).toEqual(["هيفاء الزهراني"]);
    expect(search("10-231")).toEqual(["نورة العتيبي"]);
    expect(search("٩٩٩٩")).toEqual([]);
  });
});

describe("saving a family", () => {
  it("checks the names, the phone, the email and the file number, naming the field", () => {
    const { save } = desk();
    expect(errorOf(() => save(family(" ", "ريم")))).toEqual({ code: "contact.name_required", params: { field: "name" } });
    expect(errorOf(() => save(family("نورة", "")))).toEqual({ code: "contact.name_required", params: { field: "beneficiaryName" } });
    expect(errorOf(() => save(family("نورة", "ريم", { phone: "0112345678" })))).toEqual({ code: "phone.not_mobile", params: { input: "0112345678" } });
    expect(errorOf(() => save(family("نورة", "ريم", { phone: "05512" })))).toEqual({ code: "phone.invalid", params: { input: "05512" } });
    expect(errorOf(() => save(family("نورة", "ريم", { email: "noura@" })))).toEqual({ code: "email.invalid", params: { input: "noura@" } });
    expect(errorOf(() => save(family("نورة", "ريم", { fileNumber: "10 231" })))).toEqual({ code: "contact.file_number_taken", params: { field: "fileNumber" } });
    expect(errorOf(() => save(family("نورة", "ريم", { guardianId: "nobody" })))).toEqual({ code: "guardian.not_found", params: {} });
  });

  it("stores the phone as E.164, the file number folded, tags trimmed, and audits which fields changed", () => {
    const { backend, save } = desk();
    const saved = save(family(" هيفاء الزهراني ", "جود", { phone: "0561234567", fileNumber: "MRN-77", tags: [" نقل ", "", "a,b"], nameEn: " " }));
    expect(saved).toMatchObject({ name: "هيفاء الزهراني", phone: "+966561234567", phoneDisplay: "+966 56 123 4567", fileNumber: "MRN77", tags: ["نقل", "a b"], nameEn: null });
    const again = save({ ...family("هيفاء الزهراني", "جود", { phone: "0561234567", fileNumber: "mrn-77" }), guardianId: saved.guardianId, email: "h@example.com" });
    expect(again.guardianId).toBe(saved.guardianId);
    const entries = backend.audit.entries.filter((e) => e.action.startsWith("contact."));
    expect(entries.map((e) => [e.action, e.entity, e.entityId, e.after])).toEqual([
      ["contact.create", "guardian", saved.guardianId, JSON.stringify({ fields: ["created"] })],
      ["contact.update", "guardian", saved.guardianId, JSON.stringify({ fields: ["email"] })],
    ]);
  });
});

describe("a family", () => {
  it("has its own messages, newest first, and its consents by channel", () => {
    const { backend } = desk();
    const before = backend.handle("contact_family", { guardianId: "g1" }) as FamilyView;
    expect(before.consents).toEqual([]);
    expect(before.messages.length).toBeGreaterThan(0);
    expect(before.messages.every((m) => m.guardianName === "نورة العتيبي")).toBe(true);
    backend.handle("set_consent", { guardianId: "g1", channel: "whatsapp", optedIn: false, source: "operator" });
    const after = backend.handle("set_consent", { guardianId: "g1", channel: "email", optedIn: true, source: "form" });
    expect(after).toMatchObject([
      { channel: "email", optedIn: true, source: "form", changedBy: "sara.admin" },
      { channel: "whatsapp", optedIn: false, source: "operator", changedBy: "sara.admin" },
    ]);
    expect(backend.audit.entries.filter((e) => e.action === "contact.consent").at(-1)?.after).toBe(
      JSON.stringify({ channel: "email", opted_in: true, source: "form" }),
    );
    expect(errorOf(() => backend.handle("contact_family", { guardianId: "g9" }))).toEqual({ code: "guardian.not_found", params: {} });
  });

  it("is seen by every role, and changed only by reception and admins", () => {
    const clinician = createFakeBackend({ auth: "clinician" });
    expect(clinician.handle("search_contacts", { query: "", limit: null })).toHaveLength(5);
    expect(errorOf(() => clinician.handle("set_consent", { guardianId: "g1", channel: "sms", optedIn: true, source: "form" }))?.code).toBe("auth.forbidden");
    expect(errorOf(() => clinician.handle("save_contact", { input: family("نورة", "ريم") }))?.code).toBe("auth.forbidden");
    const reception = createFakeBackend({ auth: "reception" });
    expect(reception.handle("save_contact", { input: family("نورة", "ريم") })).toMatchObject({ name: "نورة" });
  });
});
