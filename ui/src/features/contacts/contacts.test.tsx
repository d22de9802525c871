import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ContactInput } from "../../ipc";
import type { FakeBackend } from "../../ipc/fake";
import { renderApp } from "../../test/render";

type User = ReturnType<typeof userEvent.setup>;

const names = () => screen.getAllByTestId("contact-name-cell").map((c) => c.textContent);

/** Families the desk registered before; saved straight into the fake backend. */
function register(backend: FakeBackend, ...families: [string, string][]) {
  for (const [name, beneficiaryName] of families) {
    const input: ContactInput = { guardianId: null, name, beneficiaryName, language: "ar" };
    backend.handle("save_contact", { input });
  }
}

/** Types a search and waits until the list answers it. */
async function search(user: User, text: string) {
  const box = await screen.findByTestId("contacts-search");
  await user.clear(box);
  await user.type(box, text);
}

async function openFamily(user: User, name: string) {
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("contact-row").find((r) => within(r).getByTestId("contact-name-cell").textContent === name);
    if (!found) throw new Error(`no row for ${name}`);
    return found;
  });
  await user.click(row);
  return screen.findByTestId("contact-family");
}

describe("finding a family", () => {
  it("lists the families by name before anything is typed", async () => {
    renderApp({ page: "contacts" });
    await screen.findByTestId("contacts-table");
    expect(names()).toEqual(["Sarah Williams", "خالد الدوسري", "عبدالله القحطاني", "منيرة الشهري", "نورة العتيبي"]);
    const noura = screen.getAllByTestId("contact-row")[4];
    expect(noura).toHaveTextContent("Noura Alotaibi");
    expect(noura).toHaveTextContent("ريم العتيبي");
    expect(within(noura).getByTestId("contact-file")).toHaveTextContent("10231");
    expect(within(noura).getByTestId("contact-tag")).toHaveTextContent("متابعة أسبوعية");
    expect(noura).toHaveTextContent("العربية");
  });

  it("finds a name however it was spelled: any alef, with diacritics, ة or ه, with or without the article", async () => {
    const user = userEvent.setup();
    const { backend, calls } = renderApp({ page: "contacts" });
    register(backend, ["أحمد السبيعي", "سارة السبيعي"], ["إِحْمَد المطيري", "نوف المطيري"], ["حمد الغامدي", "ليان الغامدي"], ["فاطمة الحربي", "جنى الحربي"]);

    await search(user, "احمد");
    await waitFor(() => expect(names()).toEqual(["أحمد السبيعي", "إِحْمَد المطيري"]));

    await search(user, "فاطمه");
    await waitFor(() => expect(names()).toEqual(["فاطمة الحربي"]));

    await search(user, "شهري");
    await waitFor(() => expect(names()).toEqual(["منيرة الشهري"]));

    // The child's name finds the family too.
    await search(user, "جنى");
    await waitFor(() => expect(names()).toEqual(["فاطمة الحربي"]));

    await search(user, "زياد");
    expect(await screen.findByTestId("contacts-empty")).toHaveTextContent("لا توجد أسرة مطابقة");
    expect(calls.filter((c) => c.cmd === "search_contacts").at(-1)?.args).toEqual({ query: "زياد", limit: null });
  });

  it("finds a family by its mobile number written another way, or by its file number", async () => {
    const user = userEvent.setup();
    renderApp({ page: "contacts" });
    await search(user, "٠٥٥ ١٢٣ ٤٥٦٧");
    await waitFor(() => expect(names()).toEqual(["نورة العتيبي"]));

    await search(user, "+966 53 333 4444");
    await waitFor(() => expect(names()).toEqual(["منيرة الشهري"]));

    await search(user, "10-488");
    await waitFor(() => expect(names()).toEqual(["عبدالله القحطاني"]));
  });
});

describe("a family's panel", () => {
  it("shows the family's details, consent per channel and the messages sent to it", async () => {
    const user = userEvent.setup();
    renderApp({ page: "contacts", seedMessages: true });
    const panel = await openFamily(user, "نورة العتيبي");
    expect(await within(panel).findByTestId("family-name")).toHaveTextContent("نورة العتيبي");
    expect(within(panel).getByTestId("family-phone")).toHaveTextContent("+966 55 123 4567");
    expect(within(panel).getByTestId("family-phone")).toHaveAttribute("dir", "ltr");
    expect(within(panel).getByTestId("family-file-number")).toHaveTextContent("10231");
    const states = within(panel).getAllByTestId("consent-state");
    expect(states.map((s) => s.dataset.channel)).toEqual(["sms", "whatsapp", "email", "push", "voice"]);
    expect(states.every((s) => s.textContent === "لم يُجب بعد")).toBe(true);
    const messages = within(panel).getAllByTestId("family-message-row");
    expect(messages.length).toBeGreaterThan(0);
    expect(within(panel).getAllByTestId("message-status").length).toBe(messages.length);
    expect(panel).toHaveTextContent("تذكير: موعد جلسة العلاج الطبيعي لريم");
    expect(panel).not.toHaveTextContent("فيصل");
  });

  it("records a change of consent only after saying where the answer came from", async () => {
    const user = userEvent.setup();
    const { calls, backend } = renderApp({ page: "contacts", auth: "reception" });
    const panel = await openFamily(user, "نورة العتيبي");
    const sms = await within(panel).findByTestId("consent-sms");
    expect(sms).not.toBeChecked();
    await user.click(sms);

    expect(await screen.findByTestId("consent-form")).toHaveTextContent("سيُسجَّل أن نورة العتيبي يوافق على التواصل عبر رسالة نصية");
    await user.click(screen.getByTestId("consent-submit"));
    expect(await screen.findByTestId("consent-source-error")).toHaveTextContent("اختر مصدر الإجابة");
    expect(calls.some((c) => c.cmd === "set_consent")).toBe(false);

    await user.click(screen.getByTestId("consent-source-form"));
    await user.click(screen.getByTestId("consent-submit"));
    await waitFor(() => expect(within(panel).getByTestId("consent-sms")).toBeChecked());
    expect(calls.filter((c) => c.cmd === "set_consent").at(-1)?.args).toEqual({ guardianId: "g1", channel: "sms", optedIn: true, source: "form" });
    const smsState = within(panel).getAllByTestId("consent-state").find((s) => s.dataset.channel === "sms");
    expect(smsState).toHaveTextContent("موافق");
    expect(panel).toHaveTextContent("المصدر: نموذج موقّع، سجّلها reem");
    expect(backend.audit.entries.at(-1)?.action).toBe("contact.consent");

    // Declining is recorded the same way.
    await user.click(within(panel).getByTestId("consent-sms"));
    await user.click(await screen.findByTestId("consent-source-operator"));
    await user.click(screen.getByTestId("consent-submit"));
    await waitFor(() => expect(within(panel).getByTestId("consent-sms")).not.toBeChecked());
    expect(calls.filter((c) => c.cmd === "set_consent").at(-1)?.args).toMatchObject({ optedIn: false, source: "operator" });
  });

  it("lets a clinician look, but not add, edit or change consent", async () => {
    const user = userEvent.setup();
    renderApp({ page: "contacts", auth: "clinician" });
    await screen.findByTestId("contacts-table");
    expect(screen.queryByTestId("contacts-new")).toBeNull();
    const panel = await openFamily(user, "منيرة الشهري");
    expect(await within(panel).findByTestId("family-name")).toHaveTextContent("منيرة الشهري");
    expect(within(panel).getAllByTestId("consent-state")).toHaveLength(5);
    expect(within(panel).queryByTestId("contact-edit")).toBeNull();
    for (const channel of ["sms", "whatsapp", "email", "push", "voice"]) {
      expect(within(panel).queryByTestId(`consent-${channel}`)).toBeNull();
    }
  });
});

describe("adding and editing a family", () => {
  it("explains a wrong phone at the phone field, keeps everything typed, then adds the family", async () => {
    const user = userEvent.setup();
    const { calls, backend } = renderApp({ page: "contacts", auth: "reception" });
    await user.click(await screen.findByTestId("contacts-new"));
    const form = await screen.findByTestId("contact-form");
    await user.type(screen.getByTestId("contact-name"), "هيفاء الزهراني");
    await user.type(screen.getByTestId("contact-name-en"), "Haifa Alzahrani");
    await user.type(screen.getByTestId("contact-phone"), "0112345678");
    await user.type(screen.getByTestId("contact-email"), "haifa@example.com");
    await user.click(within(form).getByText("الإنجليزية"));
    await user.type(screen.getByTestId("contact-relationship"), "الأم");
    await user.type(screen.getByTestId("contact-tags"), "نقل مدرسي{Enter}");
    await user.type(screen.getByTestId("contact-beneficiary-name"), "جود الزهراني");
    await user.type(screen.getByTestId("contact-file-number"), "MRN-3301");
    await user.type(screen.getByTestId("contact-programme"), "التدخل المبكر");
    await user.click(screen.getByTestId("contact-submit"));

    expect(await screen.findByTestId("contact-phone-error")).toHaveTextContent("ليس رقم جوال");
    expect(screen.getByTestId("contact-name")).toHaveValue("هيفاء الزهراني");
    expect(screen.getByTestId("contact-name-en")).toHaveValue("Haifa Alzahrani");
    expect(screen.getByTestId("contact-phone")).toHaveValue("0112345678");
    expect(screen.getByTestId("contact-email")).toHaveValue("haifa@example.com");
    expect(screen.getByTestId("contact-relationship")).toHaveValue("الأم");
    expect(form).toHaveTextContent("نقل مدرسي");
    expect(screen.getByTestId("contact-beneficiary-name")).toHaveValue("جود الزهراني");
    expect(screen.getByTestId("contact-file-number")).toHaveValue("MRN-3301");
    expect(screen.getByTestId("contact-programme")).toHaveValue("التدخل المبكر");

    await user.clear(screen.getByTestId("contact-phone"));
    expect(screen.queryByTestId("contact-phone-error")).toBeNull();
    await user.type(screen.getByTestId("contact-phone"), "0561234567");
    await user.click(screen.getByTestId("contact-submit"));

    expect(await screen.findByTestId("contacts-notice")).toHaveTextContent("أُضيفت أسرة هيفاء الزهراني");
    expect(screen.queryByTestId("contact-form")).toBeNull();
    expect(calls.filter((c) => c.cmd === "save_contact").at(-1)?.args.input).toEqual({
      guardianId: null,
      name: "هيفاء الزهراني",
      nameEn: "Haifa Alzahrani",
      phone: "0561234567",
      email: "haifa@example.com",
      language: "en",
      relationship: "الأم",
      tags: ["نقل مدرسي"],
      beneficiaryName: "جود الزهراني",
      beneficiaryNameEn: null,
      fileNumber: "MRN-3301",
      programme: "التدخل المبكر",
    });
    expect(backend.audit.entries.at(-1)?.action).toBe("contact.create");

    await search(user, "mrn 3301");
    await waitFor(() => expect(names()).toEqual(["هيفاء الزهراني"]));
  });

  it("shows a missing beneficiary name and a taken file number at their fields", async () => {
    const user = userEvent.setup();
    renderApp({ page: "contacts" });
    await user.click(await screen.findByTestId("contacts-new"));
    await user.type(await screen.findByTestId("contact-name"), "هيفاء الزهراني");
    await user.type(screen.getByTestId("contact-file-number"), "10 231");
    await user.click(screen.getByTestId("contact-submit"));
    expect(await screen.findByTestId("contact-beneficiary-name-error")).toHaveTextContent("أدخل الاسم");

    await user.type(screen.getByTestId("contact-beneficiary-name"), "جود");
    await user.click(screen.getByTestId("contact-submit"));
    expect(await screen.findByTestId("contact-file-number-error")).toHaveTextContent("رقم الملف هذا مسجّل لمستفيد آخر");
  });

  it("edits a family from its panel and says so there", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ page: "contacts", auth: "reception" });
    const panel = await openFamily(user, "خالد الدوسري");
    await user.click(await within(panel).findByTestId("contact-edit"));
    const phone = await screen.findByTestId("contact-phone");
    expect(phone).toHaveValue("+966 59 876 5432");
    expect(screen.getByTestId("contact-name")).toHaveValue("خالد الدوسري");
    await user.type(screen.getByTestId("contact-beneficiary-name"), "سلمان الدوسري");
    await user.clear(phone);
    await user.type(phone, "0598765433");
    await user.click(screen.getByTestId("contact-submit"));

    expect(await within(panel).findByTestId("contacts-notice")).toHaveTextContent("حُفظت بيانات خالد الدوسري");
    await waitFor(() => expect(within(panel).getByTestId("family-phone")).toHaveTextContent("+966 59 876 5433"));
    expect(panel).toHaveTextContent("سلمان الدوسري");
    const entry = backend.audit.entries.at(-1);
    expect([entry?.action, entry?.after]).toEqual(["contact.update", JSON.stringify({ fields: ["phone", "beneficiaryName"] })]);
  });
});

describe("direction", () => {
  it("reads right to left in Arabic with numbers kept left to right, and the search follows what is typed", async () => {
    renderApp({ page: "contacts" });
    const table = await screen.findByTestId("contacts-table");
    expect(document.documentElement.dir).toBe("rtl");
    expect(screen.getByTestId("nav-contacts")).toHaveTextContent("الأسر");
    expect(screen.getByTestId("nav-contacts")).toHaveAttribute("aria-keyshortcuts", "Alt+3");
    expect(within(table).getByText("ولي الأمر")).toBeInTheDocument();
    for (const phone of within(table).getAllByTestId("contact-phone-cell")) expect(phone).toHaveAttribute("dir", "ltr");
    // Mantine puts `dir` on the input's wrapper, so its sections follow the text too.
    expect(screen.getByTestId("contacts-search").closest("[dir]")).toHaveAttribute("dir", "auto");
    expect(screen.getByTestId("contacts-search")).toHaveAttribute("placeholder", "اسم ولي الأمر أو المستفيد، أو رقم الجوال، أو رقم الملف");
  });

  it("reads left to right in English", async () => {
    renderApp({ page: "contacts", language: "en" });
    await waitFor(() => expect(document.documentElement.dir).toBe("ltr"));
    const table = await screen.findByTestId("contacts-table");
    expect(await within(table).findByText("Guardian")).toBeInTheDocument();
    expect(within(table).getByText("Beneficiary")).toBeInTheDocument();
    expect(screen.getByTestId("nav-contacts")).toHaveTextContent("Families");
    expect(screen.getByTestId("contacts-search")).toHaveAttribute("placeholder", "Guardian or beneficiary name, mobile number or file number");
    expect(within(table).getAllByTestId("contact-row")[4]).toHaveTextContent("Arabic");
    expect(document.querySelector("[dir=rtl]")).toBeNull();
  });
});
