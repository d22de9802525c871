import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

describe("messages", () => {
  it("lists messages newest first with translated statuses", async () => {
    renderApp({ page: "messages", seedMessages: true });
    const table = await screen.findByTestId("messages-table");
    const rows = within(table).getAllByTestId("message-row");
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => r.dataset.status)).toEqual(["queued", "failed", "sent", "delivered", "read"]);
    const statuses = within(table).getAllByTestId("message-status").map((b) => b.textContent);
    expect(statuses).toEqual(["في الانتظار", "فشلت", "أُرسلت", "سُلِّمت", "قُرئت"]);
    // Numbers stay LTR inside Arabic text.
    expect(within(rows[1]).getByText("+966 53 333 4444").closest("bdi")).toHaveAttribute("dir", "ltr");
  });

  it("shows an empty state", async () => {
    renderApp({ page: "messages" });
    expect(await screen.findByTestId("messages-empty")).toHaveTextContent("لا توجد رسائل بعد");
  });

  it("updates a row when the backend emits messages-changed", async () => {
    const { backend } = renderApp({ page: "messages", seedMessages: true });
    const first = (await screen.findAllByTestId("message-row"))[0];
    expect(first).toHaveAttribute("data-status", "queued");

    const newest = backend.messages.find((m) => m.id === first.dataset.id);
    if (!newest) throw new Error("seeded message missing");
    newest.status = "delivered";
    await act(() => emit("messages-changed"));
    await waitFor(() => expect(screen.getAllByTestId("message-row")[0]).toHaveAttribute("data-status", "delivered"));
    expect(within(screen.getAllByTestId("message-row")[0]).getByTestId("message-status")).toHaveTextContent("سُلِّمت");
  });

  it("opens a row's timeline with translated statuses and sources", async () => {
    const user = userEvent.setup();
    renderApp({ page: "messages", seedMessages: true });
    const rows = await screen.findAllByTestId("message-row");
    await user.click(rows[4]);
    const timeline = await screen.findByTestId("timeline");
    expect(timeline).toHaveTextContent("في الانتظار");
    expect(timeline).toHaveTextContent("قُرئت");
    expect(timeline).toHaveTextContent("إشعار من المزوّد");
    expect(timeline).toHaveTextContent("استعلام دوري");
  });
});

describe("every channel in the list", () => {
  it("shows each message's channel and title, and filters by channel and provider through the backend", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "messages", seedChannels: true });
    const rows = await screen.findAllByTestId("message-row");
    expect(new Set(rows.map((r) => r.dataset.channel))).toEqual(new Set(["sms", "whatsapp", "email", "push", "voice"]));
    const email = rows.find((r) => r.dataset.channel === "email");
    if (!email) throw new Error("seeded email missing");
    expect(within(email).getByTestId("channel-label")).toHaveTextContent("بريد إلكتروني");
    expect(within(email).getByTestId("message-title")).toHaveTextContent("Adam's progress report");

    await user.click(screen.getByTestId("messages-channel-filter"));
    await user.click(await screen.findByRole("option", { name: "إشعار", hidden: true }));
    await waitFor(() => expect(screen.getAllByTestId("message-row").map((r) => r.dataset.channel)).toEqual(["push", "push"]));
    expect(calls).toContainEqual({
      cmd: "list_messages",
      args: { filter: { status: null, channel: "push", provider: null, limit: 200 } },
    });

    // Only the channel's own providers are offered.
    await user.click(screen.getByTestId("messages-provider-filter"));
    expect(screen.queryByRole("option", { name: "Twilio", hidden: true })).toBeNull();
    await user.click(await screen.findByRole("option", { name: "OneSignal", hidden: true }));
    await waitFor(() => expect(screen.getAllByTestId("message-row")).toHaveLength(1));
    expect(calls).toContainEqual({
      cmd: "list_messages",
      args: { filter: { status: null, channel: "push", provider: "onesignal", limit: 200 } },
    });
  });

  it("tells how a call ended in the drawer, in words", async () => {
    const user = userEvent.setup();
    renderApp({ page: "messages", seedChannels: true });
    const rows = await screen.findAllByTestId("message-row");
    const missed = rows.find((r) => r.dataset.channel === "voice" && r.dataset.status === "failed");
    if (!missed) throw new Error("seeded missed call missing");
    await user.click(missed);
    const outcome = await screen.findByTestId("drawer-call-outcome");
    expect(outcome).toHaveAttribute("data-outcome", "no-answer");
    expect(outcome).toHaveTextContent("لم يرد");
    expect(screen.getByTestId("drawer-error")).toHaveTextContent("لم يرد ولي الأمر على المكالمة");
    expect(screen.getByTestId("message-drawer")).not.toHaveTextContent("no-answer");
  });
});

describe("operator actions in the drawer", () => {
  it("cancels a queued message after confirming, and the drawer and list follow", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "messages", seedMessages: true });
    const first = (await screen.findAllByTestId("message-row"))[0];
    expect(first).toHaveAttribute("data-status", "queued");
    await user.click(first);

    await screen.findByTestId("drawer-status");
    const drawer = screen.getByTestId("message-drawer");
    // Queued: it can be sent now or cancelled; resend/dismiss are only for unknown outcomes.
    expect(within(drawer).getByTestId("action-retry")).toHaveTextContent("أرسل الآن");
    expect(within(drawer).queryByTestId("action-resend")).toBeNull();
    expect(within(drawer).queryByTestId("action-dismiss")).toBeNull();

    await user.click(within(drawer).getByTestId("action-cancel"));
    const confirm = await screen.findByTestId("confirm-action");
    expect(screen.getByTestId("confirm-modal")).toHaveTextContent("لن تُرسل هذه الرسالة");
    expect(calls.some((c) => c.cmd === "act_on_message")).toBe(false);
    await user.click(confirm);

    await waitFor(() =>
      expect(calls).toContainEqual({ cmd: "act_on_message", args: { id: first.dataset.id, action: "cancel" } }),
    );
    await waitFor(() => expect(screen.getByTestId("drawer-status")).toHaveAttribute("data-status", "cancelled"));
    expect(screen.getByTestId("action-done")).toHaveTextContent("أُلغيت الرسالة");
    await waitFor(() => expect(screen.getAllByTestId("message-row")[0]).toHaveAttribute("data-status", "cancelled"));
    // A cancelled message offers nothing more, and the timeline says who cancelled it in words.
    expect(screen.queryByTestId("action-cancel")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("timeline")).toHaveTextContent("ألغاها موظف الاستقبال"));
    expect(screen.getByTestId("timeline")).not.toHaveTextContent("message.cancel");
  });

  it("shows a refused action as a translated alert naming the status", async () => {
    const user = userEvent.setup();
    renderApp({
      page: "messages",
      seedMessages: true,
      override: (cmd) => {
        // Sent by the dispatcher a moment before the desk pressed the button.
        if (cmd === "act_on_message") throw { code: "message.action_not_allowed", params: { status: "sent" } };
        return undefined;
      },
    });
    await user.click((await screen.findAllByTestId("message-row"))[0]);
    await user.click(await screen.findByTestId("action-retry"));

    const alert = await screen.findByTestId("action-error");
    expect(alert).toHaveTextContent("لا يمكن تنفيذ هذا الإجراء الآن");
    expect(alert).toHaveTextContent("«أُرسلت»");
    expect(alert).not.toHaveTextContent("action_not_allowed");
    expect(alert).not.toHaveTextContent("sent");
  });

  it("lists the provider attempts with translated results", async () => {
    const user = userEvent.setup();
    renderApp({ page: "messages", seedMessages: true });
    const failed = (await screen.findAllByTestId("message-row")).find((r) => r.dataset.status === "failed");
    if (!failed) throw new Error("seeded failed message missing");
    await user.click(failed);

    const attempts = await screen.findByTestId("attempts");
    const rows = await within(attempts).findAllByTestId("attempt-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("HTTP");
    expect(rows[0]).toHaveTextContent("503");
    expect(rows[0]).toHaveTextContent("خطأ مؤقت");
    expect(rows[1]).toHaveTextContent("21610");
    expect(rows[1]).toHaveTextContent("خطأ نهائي");
    expect(attempts).not.toHaveTextContent("permanent");
  });
});
