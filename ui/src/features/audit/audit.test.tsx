import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderApp } from "../../test/render";

const auditCalls = (calls: { cmd: string; args: Record<string, unknown> }[]) =>
  calls.filter((c) => c.cmd === "audit_entries").map((c) => c.args.filter);

describe("the audit trail", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("lists who did what, newest first, with the origin in words and the change on demand", async () => {
    const user = userEvent.setup();
    renderApp({ page: "audit" });
    const rows = await screen.findAllByTestId("audit-row");
    expect(rows[0]).toHaveAttribute("data-action", "auth.login");
    expect(rows.map((r) => Number(r.dataset.seq))).toEqual([...rows.map((r) => Number(r.dataset.seq))].sort((a, b) => b - a));
    expect(within(rows[0]).getByTestId("audit-origin")).toHaveTextContent("الوحدة");
    expect(rows[0]).toHaveTextContent("تسجيل دخول");

    const created = rows.find((r) => r.dataset.action === "user.create");
    if (!created) throw new Error("no user.create row");
    await user.click(within(created).getByTestId("audit-toggle-change"));
    expect(await screen.findByTestId("audit-change")).toHaveTextContent('"roles": "auditor"');
  });

  it("sends the filters as typed, an action group included", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "audit" });
    await screen.findAllByTestId("audit-row");
    await user.type(screen.getByTestId("audit-filter-user"), "sara.admin");
    await user.type(screen.getByTestId("audit-filter-action"), "auth.");
    fireEvent.change(screen.getByTestId("audit-filter-from"), { target: { value: "2026-01-01" } });
    await user.click(screen.getByTestId("audit-filter-apply"));

    await waitFor(() =>
      expect(auditCalls(calls).at(-1)).toEqual({
        user: "sara.admin",
        action: "auth.",
        entity: null,
        entityId: null,
        from: "2026-01-01",
        to: null,
        beforeSeq: null,
        limit: 50,
      }),
    );
    await waitFor(() => expect(screen.getAllByTestId("audit-row").every((r) => r.dataset.action?.startsWith("auth."))).toBe(true));
  });

  it("explains a refused date range at the date", async () => {
    const user = userEvent.setup();
    renderApp({ page: "audit" });
    await screen.findAllByTestId("audit-row");
    fireEvent.change(screen.getByTestId("audit-filter-from"), { target: { value: "2026-03-10" } });
    fireEvent.change(screen.getByTestId("audit-filter-to"), { target: { value: "2026-03-01" } });
    await user.click(screen.getByTestId("audit-filter-apply"));
    const error = await screen.findByTestId("audit-filter-to-error");
    expect(error).toHaveTextContent("قيمة التصفية غير صالحة (إلى تاريخ)");
  });

  it("loads more below the last row shown", async () => {
    const user = userEvent.setup();
    const { backend, calls } = renderApp({ page: "audit" });
    for (let i = 0; i < 60; i += 1) {
      backend.audit.append({ actor: "reem", origin: "console", action: "message.send", entity: "message", entityId: `m${i}`, before: null, after: null });
    }
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(50));
    const last = Number(screen.getAllByTestId("audit-row").at(-1)?.dataset.seq);
    await user.click(screen.getByTestId("audit-more"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row").length).toBeGreaterThan(50));
    expect(auditCalls(calls).at(-1)).toMatchObject({ beforeSeq: last, limit: 50 });
    expect(screen.queryByTestId("audit-more")).toBeNull();
  });

  it("says in words whether the trail is intact or where it broke", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ page: "audit" });
    await user.click(await screen.findByTestId("audit-verify"));
    const intact = await screen.findByTestId("audit-verify-result");
    expect(intact).toHaveAttribute("data-intact", "true");
    expect(intact).toHaveTextContent(`سليم: فُحص ${backend.audit.entries.length} صفًا`);

    backend.audit.breakAt(3, "content");
    await user.click(screen.getByTestId("audit-verify"));
    await waitFor(() => expect(screen.getByTestId("audit-verify-result")).toHaveAttribute("data-intact", "false"));
    expect(screen.getByTestId("audit-verify-result")).toHaveTextContent("متضرر عند الصف 3: عُدّل محتوى الصف بعد كتابته");
  });

  it("exports the filtered trail as a CSV file and says where it was saved", async () => {
    const user = userEvent.setup();
    const { backend, calls } = renderApp({ auth: "auditor", page: "audit" });
    await user.type(await screen.findByTestId("audit-filter-action"), "user.");
    await user.click(screen.getByTestId("audit-filter-apply"));
    await user.click(screen.getByTestId("audit-export"));

    const saved = await screen.findByTestId("audit-export-saved");
    const file = backend.audit.saved[0];
    expect(saved).toHaveTextContent(file.path);
    expect(file.path).toMatch(/wasel-audit-\d{8}-\d{6}\.csv$/);
    expect(file.csv).toContain("seq,at,actor,origin,action,entity,entity_id,before,after,hash");
    expect(file.csv).toContain("user.create");
    expect(file.csv).not.toContain("auth.login");
    expect(calls.find((c) => c.cmd === "export_audit_csv")?.args.filter).toMatchObject({ action: "user.", beforeSeq: null, limit: null });
    // The export is itself in the trail.
    expect(backend.audit.entries.at(-1)).toMatchObject({ actor: "huda", action: "audit.export" });
  });
});
