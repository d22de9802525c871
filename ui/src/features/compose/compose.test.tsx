import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

const BODY = "تذكير بموعد الجلسة غدًا";

describe("compose", () => {
  it("keeps what was typed and shows the translated phone error at the number field", async () => {
    const user = userEvent.setup();
    renderApp();
    const to = await screen.findByTestId("compose-to");
    await user.type(to, "12345");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-send"));

    const error = await screen.findByTestId("compose-to-error");
    expect(error).toHaveTextContent("غير صحيح");
    expect(error).toHaveTextContent("12345");
    expect(error).not.toHaveTextContent("phone.invalid");
    expect(screen.getByTestId("compose-to")).toHaveValue("12345");
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);
  });

  it("shows a body error at the text field", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-body-error")).toHaveTextContent("اكتب نص الرسالة");
    expect(screen.getByTestId("compose-to")).toHaveValue("0551234567");
  });

  it("retries a failed draft with the same idempotency key and shows other errors as an alert", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({
      override: (cmd) => {
        if (cmd === "send_message") throw { code: "db.unavailable", params: {} };
        return undefined;
      },
    });
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent("قاعدة البيانات غير متاحة");
    await user.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "send_message")).toHaveLength(2));

    const keys = calls
      .filter((c) => c.cmd === "send_message")
      .map((c) => (c.args.input as { idempotencyKey: string }).idempotencyKey);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);
  });

  it("previews the normalised number and segments, then sends and clears the form", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.type(await screen.findByTestId("compose-to"), "00966 55 500 1234");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await waitFor(() => {
      expect(screen.getByTestId("compose-normalized")).toHaveTextContent("+966555001234");
      expect(screen.getByTestId("compose-segments")).toHaveTextContent("1");
      expect(screen.getByTestId("compose-encoding")).toHaveTextContent("UCS-2");
      // One segment at Twilio's 20 halalas.
      expect(screen.getByTestId("compose-cost")).toHaveTextContent("0.20 ر.س");
    });

    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-success")).toBeInTheDocument();
    expect(screen.getByTestId("compose-to")).toHaveValue("");
    expect(screen.getByTestId("compose-body")).toHaveValue("");
    const send = calls.find((c) => c.cmd === "send_message");
    expect(send?.args.input).toMatchObject({ channel: "sms", to: "00966 55 500 1234", body: BODY, guardianId: null });
    // Nothing scheduled unless asked: the section starts closed and sends its defaults.
    expect(send?.args.input).toMatchObject({ sendAt: null, expiresAt: null, urgent: false });
    expect(screen.getByTestId("compose-schedule-toggle")).toHaveAttribute("aria-expanded", "false");
  });
});

describe("scheduling", () => {
  it("sends Riyadh wall-clock times as UTC and says when the message will go", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-schedule-toggle"));
    expect(screen.getByTestId("compose-schedule-toggle")).toHaveAttribute("aria-expanded", "true");

    // 10:30 and 12:00 in Riyadh (UTC+3) whatever the test machine's zone.
    fireEvent.change(screen.getByTestId("compose-send-at"), { target: { value: "2030-01-15T10:30" } });
    fireEvent.change(screen.getByTestId("compose-expires-at"), { target: { value: "2030-01-15T12:00" } });
    await user.click(screen.getByTestId("compose-urgent"));
    expect(screen.getByTestId("compose-send-at-riyadh")).toHaveTextContent("10:30");
    expect(screen.getByTestId("compose-send")).toHaveTextContent("جدولة");
    await user.click(screen.getByTestId("compose-send"));

    const success = await screen.findByTestId("compose-success");
    expect(success).toHaveAttribute("data-status", "scheduled");
    expect(success).toHaveTextContent("جُدولت الرسالة");
    expect(success).toHaveTextContent("10:30");
    const send = calls.find((c) => c.cmd === "send_message");
    expect(send?.args.input).toMatchObject({
      sendAt: "2030-01-15T07:30:00Z",
      expiresAt: "2030-01-15T09:00:00Z",
      urgent: true,
    });
    // A new draft starts without a schedule.
    expect(screen.getByTestId("compose-send-at")).toHaveValue("");
    expect(screen.getByTestId("compose-urgent")).not.toBeChecked();
  });

  it("shows a schedule error at the expiry field and keeps everything typed", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-schedule-toggle"));
    fireEvent.change(screen.getByTestId("compose-send-at"), { target: { value: "2030-01-15T10:30" } });
    fireEvent.change(screen.getByTestId("compose-expires-at"), { target: { value: "2030-01-15T09:00" } });
    await user.click(screen.getByTestId("compose-send"));

    const error = await screen.findByTestId("compose-expires-at-error");
    expect(error).toHaveTextContent("يسبق وقت الإرسال");
    expect(error).not.toHaveTextContent("schedule.");
    expect(screen.queryByTestId("compose-error")).toBeNull();
    expect(screen.getByTestId("compose-send-at")).toHaveValue("2030-01-15T10:30");
    expect(screen.getByTestId("compose-expires-at")).toHaveValue("2030-01-15T09:00");
    expect(screen.getByTestId("compose-to")).toHaveValue("0551234567");
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);

    // Closing the section keeps the values (and they are still sent); an error opens it again.
    await user.click(screen.getByTestId("compose-schedule-toggle"));
    expect(screen.getByTestId("compose-schedule-toggle")).toHaveTextContent("إرسال لاحق");
    await user.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(screen.getByTestId("compose-schedule-toggle")).toHaveAttribute("aria-expanded", "true"));
    expect(await screen.findByTestId("compose-expires-at-error")).toBeInTheDocument();
  });
});

describe("every channel", () => {
  it("keeps what was typed on each channel when switching between them", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);

    await user.click(screen.getByTestId("compose-channel-email"));
    expect(screen.getByTestId("compose-body")).toHaveValue("");
    expect(screen.getByTestId("compose-to")).toHaveValue("");
    await user.type(screen.getByTestId("compose-to"), "parent@example.com");
    await user.type(screen.getByTestId("compose-subject"), "تقرير الشهر");
    await user.type(screen.getByTestId("compose-body"), "مرفق تقرير الشهر.");

    await user.click(screen.getByTestId("compose-channel-sms"));
    expect(screen.getByTestId("compose-to")).toHaveValue("0551234567");
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);
    await user.click(screen.getByTestId("compose-channel-email"));
    expect(screen.getByTestId("compose-to")).toHaveValue("parent@example.com");
    expect(screen.getByTestId("compose-subject")).toHaveValue("تقرير الشهر");
    expect(screen.getByTestId("compose-body")).toHaveValue("مرفق تقرير الشهر.");

    // The preview follows the channel shown, and nothing was sent on the way.
    await waitFor(() => expect(screen.getByTestId("compose-preview")).toHaveAttribute("data-channel", "email"));
    await waitFor(() => expect(screen.getByTestId("compose-normalized")).toHaveTextContent("parent@example.com"));
    expect(calls.some((c) => c.cmd === "send_message")).toBe(false);
  });

  it("fills an approved WhatsApp template, shows it rendered, and offers others disabled with their status", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.click(await screen.findByTestId("compose-channel-whatsapp"));
    await user.type(screen.getByTestId("compose-to"), "0502345678");
    // No reply from this guardian: the window is closed and free text is flagged before sending.
    await waitFor(() => expect(screen.getByTestId("compose-window")).toHaveAttribute("data-open", "false"));
    expect(await screen.findByTestId("compose-problems")).toHaveTextContent("استخدم قالبًا معتمدًا");

    await user.click(screen.getByTestId("compose-template"));
    const pending = await screen.findByTestId("template-option-payment_due|ar");
    expect(pending.closest("[role=option]")).toHaveAttribute("aria-disabled", "true");
    expect(pending).toHaveTextContent("قيد المراجعة");
    const rejected = screen.getByTestId("template-option-promo_offer|en");
    expect(rejected.closest("[role=option]")).toHaveAttribute("aria-disabled", "true");
    expect(rejected).toHaveTextContent("مرفوض");
    const approved = screen.getByTestId("template-option-appointment_reminder|ar");
    expect(approved.closest("[role=option]")).not.toHaveAttribute("aria-disabled");
    await user.click(approved);

    expect(screen.queryByTestId("compose-body")).toBeNull();
    await user.type(await screen.findByTestId("compose-param-1"), "عبدالله");
    await user.type(screen.getByTestId("compose-param-2"), "جلسة النطق");
    await user.type(screen.getByTestId("compose-param-3"), "10:00");
    await waitFor(() =>
      expect(screen.getByTestId("compose-rendered")).toHaveTextContent("مرحبًا عبدالله، نذكّركم بموعد جلسة النطق غدًا الساعة 10:00"),
    );
    await waitFor(() => expect(screen.queryByTestId("compose-problems")).toBeNull());

    await user.click(screen.getByTestId("compose-send"));
    const success = await screen.findByTestId("compose-success");
    expect(success).toHaveAttribute("data-channel", "whatsapp");
    expect(calls.find((c) => c.cmd === "send_message")?.args.input).toMatchObject({
      channel: "whatsapp",
      to: "0502345678",
      body: "",
      template: { name: "appointment_reminder", language: "ar", params: ["عبدالله", "جلسة النطق", "10:00"] },
    });
  });

  it("opens the WhatsApp window with a simulated reply, then allows free text", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.click(await screen.findByTestId("compose-channel-whatsapp"));
    await user.type(screen.getByTestId("compose-to"), "0502345678");
    await waitFor(() => expect(screen.getByTestId("compose-window")).toHaveAttribute("data-open", "false"));
    await user.click(screen.getByTestId("compose-simulate-reply"));
    await waitFor(() => expect(screen.getByTestId("compose-window")).toHaveAttribute("data-open", "true"));
    expect(screen.getByTestId("compose-window")).toHaveTextContent("يمكن إرسال نص حر حتى");
    expect(calls.find((c) => c.cmd === "simulate_reply")?.args.input).toMatchObject({ channel: "whatsapp", from: "+966502345678" });
  });

  it("shows the backend's attachment size error at the attachments and keeps the email", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.click(await screen.findByTestId("compose-channel-email"));
    await user.type(screen.getByTestId("compose-to"), "parent@example.com");
    await user.type(screen.getByTestId("compose-subject"), "التقرير");
    await user.type(screen.getByTestId("compose-body"), "مرفق التقرير.");
    const big = new File([new Uint8Array(11 * 1024 * 1024)], "تقرير-كامل.pdf", { type: "application/pdf" });
    await user.upload(screen.getByTestId("compose-attachments-input"), big);
    const file = await screen.findByTestId("compose-attachment");
    expect(file).toHaveTextContent("تقرير-كامل.pdf");
    expect(file).toHaveTextContent("11 م.ب");

    await user.click(screen.getByTestId("compose-send"));
    const error = await screen.findByTestId("compose-attachments-error");
    expect(error).toHaveTextContent("المرفقات كبيرة جدًا");
    expect(error).toHaveTextContent("10 MB");
    expect(screen.queryByTestId("compose-error")).toBeNull();
    expect(screen.getByTestId("compose-subject")).toHaveValue("التقرير");
    expect(screen.getByTestId("compose-body")).toHaveValue("مرفق التقرير.");
    expect(screen.getAllByTestId("compose-attachment")).toHaveLength(1);

    // Removing the file clears the error's cause; the rest is still there.
    await user.click(screen.getByTestId("compose-attachment-remove"));
    expect(screen.queryByTestId("compose-attachment")).toBeNull();
  });

  it("sends a push to each of the guardian's devices and lists them", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.click(await screen.findByTestId("compose-channel-push"));
    expect(screen.queryByTestId("compose-to")).toBeNull();
    await user.type(screen.getByTestId("compose-subject"), "نتيجة التقييم");
    await user.type(screen.getByTestId("compose-body"), "وصلت نتيجة التقييم.");
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("guardian-picker-error")).toHaveTextContent("اختر ولي الأمر");

    await user.click(screen.getByTestId("guardian-picker"));
    await user.click(await screen.findByText("نورة العتيبي"));
    expect(screen.queryByTestId("guardian-picker-error")).toBeNull();
    const devices = await screen.findAllByTestId("compose-device");
    expect(devices).toHaveLength(2);
    expect(screen.getByTestId("compose-devices-note")).toHaveTextContent("بلغة ذلك الجهاز");
    expect(devices[1]).toHaveTextContent("OneSignal");
    expect(devices[1]).toHaveTextContent("الإنجليزية");
    expect(screen.getByTestId("compose-subject")).toHaveValue("نتيجة التقييم");
    await user.type(screen.getByTestId("compose-subject-en"), "Assessment result");
    await user.type(screen.getByTestId("compose-body-en"), "The assessment result is ready.");
    await user.click(screen.getByTestId("compose-send"));

    const success = await screen.findByTestId("compose-success");
    expect(success).toHaveAttribute("data-count", "2");
    expect(within(success).getByTestId("compose-success-list").querySelectorAll("li")).toHaveLength(2);
    expect(calls.filter((c) => c.cmd === "send_message").at(-1)?.args.input).toMatchObject({
      channel: "push",
      to: "",
      guardianId: "g1",
      subject: "نتيجة التقييم",
      subjectEn: "Assessment result",
      bodyEn: "The assessment result is ready.",
    });
  });

  it("speaks a voice call in the guardian's language unless another is chosen", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.click(await screen.findByTestId("compose-channel-voice"));
    await user.click(screen.getByTestId("guardian-picker"));
    await user.click(await screen.findByText("Sarah Williams"));
    expect(screen.getByTestId("compose-to")).toHaveValue("+966561112233");
    expect(screen.getByTestId("compose-voice")).toHaveTextContent("Polly.Joanna");
    await user.click(screen.getByTestId("compose-voice-language-ar"));
    expect(screen.getByTestId("compose-voice")).toHaveTextContent("Polly.Hala-Neural");
    await user.type(screen.getByTestId("compose-body"), "مرحبًا، هذا مركز واصل.");
    await user.click(screen.getByTestId("compose-send"));
    await screen.findByTestId("compose-success");
    expect(calls.find((c) => c.cmd === "send_message")?.args.input).toMatchObject({
      channel: "voice",
      to: "+966561112233",
      language: "ar",
    });
  });
});
