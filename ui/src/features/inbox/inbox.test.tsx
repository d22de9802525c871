import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

function itemsOf(channel: string): HTMLElement[] {
  return screen.getAllByTestId("inbox-item").filter((i) => i.dataset.channel === channel);
}

describe("sandbox inbox", () => {
  it("shows what each family would have seen, newest first, drawn for its channel", async () => {
    renderApp({ page: "inbox", seedChannels: true });
    const page = await screen.findByTestId("sandbox-inbox");
    const items = await within(page).findAllByTestId("inbox-item");
    expect(items.map((i) => i.dataset.channel)).toEqual(["voice", "voice", "push", "push", "email", "whatsapp", "sms"]);

    const [sms] = itemsOf("sms");
    expect(within(sms).getByTestId("inbox-text")).toHaveTextContent("موعد جلسة العلاج الطبيعي");
    expect(within(sms).getByTestId("inbox-status")).toHaveTextContent("وصلت");
    expect(sms).toHaveTextContent("+966555000100");

    const [wa] = itemsOf("whatsapp");
    expect(within(wa).getByTestId("inbox-template")).toHaveTextContent("appointment_reminder");
    expect(within(wa).getByTestId("inbox-text")).toHaveTextContent("نذكّركم بموعد جلسة النطق");
    expect(within(wa).getByTestId("inbox-ticks")).toHaveAttribute("data-ticks", "read");

    const [email] = itemsOf("email");
    expect(within(email).getByTestId("inbox-subject")).toHaveTextContent("Adam's progress report");
    const html = within(email).getByTestId("inbox-html");
    // Shown with every permission off: no scripts, forms or navigation.
    expect(html.tagName).toBe("IFRAME");
    expect(html).toHaveAttribute("sandbox", "");
    expect(html.getAttribute("srcdoc")).toContain("<strong>progress report</strong>");
    const attachment = within(email).getByTestId("inbox-attachment");
    expect(attachment).toHaveTextContent("progress-report-november.pdf");
    expect(attachment).toHaveTextContent("application/pdf");
    expect(attachment).toHaveTextContent("180 ك.ب");

    const pushes = itemsOf("push");
    expect(within(pushes[0]).getByTestId("inbox-push-title")).toHaveTextContent("نتيجة التقييم");
    const languages = pushes.map((p) => p.textContent ?? "");
    expect(languages.some((text) => text.includes("العربية") && text.includes("Firebase"))).toBe(true);
    expect(languages.some((text) => text.includes("الإنجليزية") && text.includes("OneSignal"))).toBe(true);

    const calls = itemsOf("voice");
    const outcomes = calls.map((c) => within(c).getByTestId("inbox-call-outcome"));
    // The missed call is the newer one.
    expect(outcomes[0]).toHaveTextContent("لم يرد");
    expect(calls[0]).not.toHaveTextContent("no-answer");
    expect(outcomes[1]).toHaveTextContent("رُدّ على المكالمة");
    expect(calls[1]).toHaveTextContent("Polly.Hala-Neural");
    expect(calls[1]).toHaveTextContent("المدة:");
  });

  it("filters by channel through the backend and clears everything", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "inbox", seedChannels: true });
    await screen.findAllByTestId("inbox-item");
    await user.click(screen.getByTestId("inbox-filter-email"));
    await waitFor(() => expect(screen.getAllByTestId("inbox-item").map((i) => i.dataset.channel)).toEqual(["email"]));
    expect(calls).toContainEqual({ cmd: "sandbox_inbox", args: { channel: "email" } });

    await user.click(screen.getByTestId("inbox-filter-all"));
    await user.click(screen.getByTestId("inbox-clear"));
    expect(await screen.findByTestId("inbox-empty")).toHaveTextContent("الصندوق فارغ");
    expect(calls.some((c) => c.cmd === "clear_sandbox_inbox")).toBe(true);
  });

  it("replies as the guardian to a WhatsApp message through its provider", async () => {
    const user = userEvent.setup();
    const { calls, backend } = renderApp({ page: "inbox", seedChannels: true });
    await screen.findAllByTestId("inbox-item");
    const [wa] = itemsOf("whatsapp");
    expect(within(itemsOf("email")[0]).queryByTestId("inbox-reply")).toBeNull();
    await user.click(within(wa).getByTestId("inbox-reply"));
    await user.clear(within(itemsOf("whatsapp")[0]).getByTestId("inbox-reply-text"));
    await user.type(within(itemsOf("whatsapp")[0]).getByTestId("inbox-reply-text"), "تمام، سنحضر.");
    await user.click(within(itemsOf("whatsapp")[0]).getByTestId("inbox-reply-send"));

    expect(await within(itemsOf("whatsapp")[0]).findByTestId("inbox-reply-done")).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === "simulate_reply")?.args.input).toEqual({
      channel: "whatsapp",
      from: "+966502345678",
      text: "تمام، سنحضر.",
      provider: "meta",
    });
    expect(backend.windows.has("+966502345678")).toBe(true);
  });

  it("gets a message sent from compose, as the family would see it", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.click(await screen.findByTestId("compose-channel-email"));
    await user.type(screen.getByTestId("compose-to"), "parent@example.com");
    await user.type(screen.getByTestId("compose-subject"), "موعد الاجتماع");
    await user.type(screen.getByTestId("compose-body"), "نلتقي يوم الخميس.");
    await user.click(screen.getByTestId("compose-send"));
    await screen.findByTestId("compose-success");

    await user.click(screen.getByTestId("nav-inbox"));
    const [email] = await screen.findAllByTestId("inbox-item");
    expect(email).toHaveAttribute("data-channel", "email");
    expect(within(email).getByTestId("inbox-subject")).toHaveTextContent("موعد الاجتماع");
    expect(within(email).getByTestId("inbox-text")).toHaveTextContent("نلتقي يوم الخميس.");
  });
});
