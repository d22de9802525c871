import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

describe("settings", () => {
  it("shows a credentials error at its field and keeps every value typed", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "settings" });
    await user.type(await screen.findByTestId("settings-twilio-sid"), "ACnot-a-sid");
    await user.type(screen.getByTestId("settings-twilio-token"), "secret-token");
    await user.type(screen.getByTestId("settings-twilio-from"), "+966500000000");
    await user.click(screen.getByTestId("settings-twilio-save"));

    expect(await screen.findByText(/معرّف الحساب غير صحيح/)).toBeInTheDocument();
    expect(screen.getByTestId("settings-twilio-sid")).toHaveValue("ACnot-a-sid");
    expect(screen.getByTestId("settings-twilio-token")).toHaveValue("secret-token");
    expect(screen.getByTestId("settings-twilio-from")).toHaveValue("+966500000000");
    expect(calls.some((c) => c.cmd === "save_twilio_credentials")).toBe(true);
  });

  it("saves credentials, never shows the token again, and can go back to the sandbox", async () => {
    const user = userEvent.setup();
    renderApp({ page: "settings" });
    expect(await screen.findByTestId("sandbox-banner")).toBeInTheDocument();
    await user.type(await screen.findByTestId("settings-twilio-sid"), `AC${"a".repeat(32)}`);
    await user.type(screen.getByTestId("settings-twilio-token"), "secret-token");
    await user.type(screen.getByTestId("settings-twilio-from"), "+966500000000");
    await user.click(screen.getByTestId("settings-twilio-save"));

    await waitFor(() => expect(screen.getByTestId("settings-twilio-state")).toHaveTextContent("مُعَدّ"));
    expect(screen.getByTestId("settings-twilio-token")).toHaveValue("");
    expect(screen.queryByTestId("sandbox-banner")).toBeNull();
    expect(screen.getByTestId("settings-backend")).toHaveTextContent("SQLite");

    await user.click(screen.getByTestId("settings-twilio-clear"));
    expect(await screen.findByTestId("sandbox-banner")).toBeInTheDocument();
    expect(screen.getByTestId("settings-twilio-state")).toHaveTextContent("غير مُعَدّ");
  });
});
