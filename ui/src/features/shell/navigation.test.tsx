import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";
import { groupScreens, SCREENS, visibleScreens, type Screen } from "./screens";

const screen_ = (id: string, group: Screen["group"], operation: Screen["operation"]): Screen => ({
  id,
  group,
  label: `nav.${id}`,
  icon: null,
  component: () => null,
  operation,
});

describe("the screen registry", () => {
  it("shows only the screens the signed-in user's operations open", () => {
    const all = [
      screen_("compose", "reception", "message.compose"),
      screen_("messages", "reception", "message.view"),
      screen_("audit", "administration", "audit.view"),
    ];
    expect(visibleScreens(all, []).map((s) => s.id)).toEqual([]);
    expect(visibleScreens(all, ["message.view"]).map((s) => s.id)).toEqual(["messages"]);
    expect(visibleScreens(all, ["message.compose", "message.view"]).map((s) => s.id)).toEqual(["compose", "messages"]);
    expect(visibleScreens(all, ["message.view", "audit.view"]).map((s) => s.id)).toEqual(["messages", "audit"]);
  });

  it("groups screens by the people who use them, in a fixed order, leaving empty groups out", () => {
    const grouped = groupScreens([
      screen_("audit", "administration", "audit.view"),
      screen_("compose", "reception", "message.compose"),
      screen_("results", "clinical", "message.view"),
    ]);
    expect(grouped.map((g) => g.group)).toEqual(["reception", "clinical", "administration"]);
    expect(groupScreens(SCREENS).map((g) => g.group)).toEqual(["reception", "administration"]);
  });
});

describe("the side navigation", () => {
  afterEach(() => window.localStorage.removeItem("wasel.nav.collapsed"));

  it("lists the screens under their groups' headings and marks the open one", async () => {
    renderApp({ page: "messages" });
    const nav = await screen.findByRole("navigation", { name: "التنقل الرئيسي" });
    expect(within(nav).getByRole("heading", { name: "الاستقبال" })).toBeInTheDocument();
    expect(within(nav).getByRole("heading", { name: "الإدارة" })).toBeInTheDocument();
    expect(within(nav).queryByRole("heading", { name: "العيادة" })).toBeNull();
    expect(screen.getByTestId("nav-messages")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-compose")).not.toHaveAttribute("aria-current");
  });

  it("folds to icons, keeps the labels for screen readers, and remembers it", async () => {
    const user = userEvent.setup();
    const first = renderApp();
    const toggle = await screen.findByTestId("nav-collapse");
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.getByTestId("nav-messages")).toHaveTextContent("الرسائل");
    expect(window.localStorage.getItem("wasel.nav.collapsed")).toBe("1");
    first.unmount();
    renderApp();
    expect(await screen.findByTestId("nav-collapse")).toHaveAttribute("aria-expanded", "false");
  });

  it("opens screens from the keyboard: Tab and Enter, and Alt with the screen's number", async () => {
    const user = userEvent.setup();
    renderApp();
    const messages = await screen.findByTestId("nav-messages");
    expect(messages).toHaveAttribute("aria-keyshortcuts", "Alt+2");
    messages.focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(window.location.hash).toBe("#/messages"));
    await user.keyboard("{Alt>}{6}{/Alt}");
    await waitFor(() => expect(window.location.hash).toBe("#/settings"));
    expect(await screen.findByTestId("nav-settings")).toHaveAttribute("aria-current", "page");
  });
});
