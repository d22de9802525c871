import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

describe("needs attention", () => {
  it("explains unknown outcomes and resends one after confirming", async () => {
    const user = userEvent.setup();
    const { calls, backend } = renderApp({ page: "attention", seedMessages: true, seedAttention: true });

    const table = await screen.findByTestId("attention-table");
    const rows = within(table).getAllByTestId("attention-row");
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.dataset.status === "unknown")).toBe(true);
    expect(screen.getByTestId("attention-explain")).toHaveTextContent("لا يستطيع أن يعرف هل استلمتها الأسرة");
    expect(await screen.findByTestId("attention-count")).toHaveTextContent("2");

    const id = rows[0].dataset.id;
    await user.click(within(rows[0]).getByTestId("action-resend"));
    const modal = await screen.findByTestId("confirm-modal");
    expect(modal).toHaveTextContent("وإلا وصلتهم مرتين");
    // The row itself did not open the drawer behind the question.
    expect(screen.queryByTestId("drawer-status")).toBeNull();
    await user.click(within(modal).getByTestId("confirm-action"));

    await waitFor(() => expect(calls).toContainEqual({ cmd: "act_on_message", args: { id, action: "resend" } }));
    expect(await screen.findByTestId("action-done")).toHaveTextContent("أُعيدت الرسالة إلى قائمة الإرسال");
    await waitFor(() => expect(screen.getAllByTestId("attention-row")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("attention-count")).toHaveTextContent("1"));
    expect(backend.messages.find((m) => m.id === id)?.status).toBe("queued");
  });

  it("dismisses from the drawer opened by a row", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "attention", seedAttention: true });
    const row = (await screen.findAllByTestId("attention-row"))[1];
    await user.click(row);
    expect(await screen.findByTestId("drawer-status")).toHaveAttribute("data-status", "unknown");
    const drawer = screen.getByTestId("message-drawer");
    expect(within(drawer).getByTestId("action-resend")).toBeInTheDocument();
    expect(within(drawer).queryByTestId("action-retry")).toBeNull();
    expect(await within(drawer).findByTestId("timeline")).toHaveTextContent("توقّف البرنامج أثناء الإرسال");

    await user.click(within(drawer).getByTestId("action-dismiss"));
    await user.click(await screen.findByTestId("confirm-action"));
    await waitFor(() =>
      expect(calls).toContainEqual({ cmd: "act_on_message", args: { id: row.dataset.id, action: "dismiss" } }),
    );
    await waitFor(() => expect(screen.getByTestId("drawer-status")).toHaveAttribute("data-status", "cancelled"));
  });

  it("shows a friendly empty state and no badge when nothing is unknown", async () => {
    renderApp({ page: "attention", seedMessages: true });
    expect(await screen.findByTestId("attention-empty")).toHaveTextContent("لا توجد رسائل تحتاج إلى متابعة");
    expect(screen.queryByTestId("attention-count")).toBeNull();
    expect(screen.getByTestId("nav-attention")).toHaveTextContent("تحتاج إلى متابعة");
  });
});
