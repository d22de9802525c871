import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

describe("what each role sees", () => {
  it("reception composes and follows up, but sees neither Users, Audit nor Settings", async () => {
    renderApp({ auth: "reception" });
    expect(await screen.findByTestId("compose-send")).toBeInTheDocument();
    const nav = screen.getByTestId("app-nav");
    expect(within(nav).getByTestId("nav-attention")).toBeInTheDocument();
    expect(within(nav).queryByTestId("nav-users")).toBeNull();
    expect(within(nav).queryByTestId("nav-audit")).toBeNull();
    expect(within(nav).queryByTestId("nav-settings")).toBeNull();
    expect(within(nav).queryByRole("heading", { name: "الإدارة" })).toBeNull();
  });

  it("an auditor reads the audit trail and exports it, and has no send button anywhere", async () => {
    renderApp({ auth: "auditor", page: "compose" });
    const nav = await screen.findByTestId("app-nav");
    expect(within(nav).getByTestId("nav-audit")).toBeInTheDocument();
    expect(within(nav).queryByTestId("nav-compose")).toBeNull();
    expect(within(nav).queryByTestId("nav-users")).toBeNull();
    // The compose address opens the auditor's first screen instead.
    expect(await screen.findByTestId("nav-messages")).toHaveAttribute("aria-current", "page");
    expect(screen.queryByTestId("compose-send")).toBeNull();

    await userEvent.setup().click(within(nav).getByTestId("nav-audit"));
    expect(await screen.findByTestId("audit-export")).toBeInTheDocument();
    expect(screen.getByTestId("audit-verify")).toBeInTheDocument();
  });

  it("an admin verifies the audit trail but has no export", async () => {
    renderApp({ page: "audit" });
    expect(await screen.findByTestId("audit-verify")).toBeInTheDocument();
    expect(screen.queryByTestId("audit-export")).toBeNull();
  });

  it("a clinician sees the messages without the operator's actions", async () => {
    const user = userEvent.setup();
    renderApp({ auth: "clinician", page: "messages", seedAttention: true });
    await user.click((await screen.findAllByTestId("message-row"))[0]);
    await screen.findByTestId("message-drawer");
    await waitFor(() => expect(screen.queryByTestId("message-actions")).toBeNull());
    expect(screen.queryByTestId("nav-attention")).toBeNull();
  });

  it("an auditor reads the settings without being able to change them", async () => {
    renderApp({ auth: "auditor", page: "settings" });
    expect(await screen.findByTestId("security-idle")).toHaveAttribute("readonly");
    expect(screen.getByTestId("outbox-max-attempts")).toHaveAttribute("readonly");
    expect(screen.queryByTestId("security-save")).toBeNull();
    expect(screen.queryByTestId("outbox-save")).toBeNull();
  });

  it("the core refuses what a role may not do, in words, even if a button were there", async () => {
    const { backend } = renderApp({ auth: "reception" });
    await screen.findByTestId("compose-send");
    let refusal: unknown = null;
    try {
      backend.handle("list_users");
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toEqual({ code: "auth.forbidden", params: { operation: "user.manage" } });
  });
});
