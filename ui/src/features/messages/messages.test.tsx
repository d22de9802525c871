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
