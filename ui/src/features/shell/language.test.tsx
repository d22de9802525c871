import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

describe("language switch", () => {
  it("starts in Arabic, right to left", async () => {
    renderApp();
    expect(document.documentElement.dir).toBe("rtl");
    expect(document.documentElement.lang).toBe("ar");
    expect(await screen.findByTestId("nav-messages")).toHaveTextContent("الرسائل");
    expect(screen.getByTestId("lang-toggle")).toHaveTextContent("English");
  });

  it("flips the page to English, left to right, and asks the backend to remember it", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.click(await screen.findByTestId("lang-toggle"));

    await waitFor(() => expect(document.documentElement.dir).toBe("ltr"));
    expect(document.documentElement.lang).toBe("en");
    expect(screen.getByTestId("nav-compose")).toHaveTextContent("Compose");
    expect(screen.getByTestId("nav-messages")).toHaveTextContent("Messages");
    expect(screen.getByTestId("nav-settings")).toHaveTextContent("Settings");
    expect(screen.getByTestId("lang-toggle")).toHaveTextContent("العربية");
    // Mantine follows the same direction (its portals and inputs read it from the provider).
    expect(document.querySelector("[dir=rtl]")).toBeNull();
    await waitFor(() => expect(calls).toContainEqual({ cmd: "set_language", args: { language: "en" } }));
    expect(window.localStorage.getItem("wasel.language")).toBe("en");

    await user.click(screen.getByTestId("lang-toggle"));
    await waitFor(() => expect(document.documentElement.dir).toBe("rtl"));
    expect(screen.getByTestId("nav-compose")).toHaveTextContent("إرسال رسالة");
  });

  it("adopts the language the backend remembered", async () => {
    renderApp({ language: "en" });
    await waitFor(() => expect(document.documentElement.dir).toBe("ltr"));
    expect(screen.getByTestId("nav-settings")).toHaveTextContent("Settings");
  });

  it("shows the sandbox banner and the keychain warning, translated", async () => {
    renderApp({ keychainError: { code: "keychain.locked", params: {} } });
    expect(await screen.findByTestId("sandbox-banner")).toHaveTextContent("المحاكي");
    expect(screen.getByTestId("keychain-banner")).toHaveTextContent("مقفلة");
    expect(screen.getByTestId("keychain-banner")).not.toHaveTextContent("keychain.locked");
  });
});
