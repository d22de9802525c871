import { fireEvent, screen, waitFor } from "@testing-library/react";
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

describe("sending rules", () => {
  it("shows a rule error at its field, keeps the values, then saves", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "settings" });
    const attempts = await screen.findByTestId("outbox-max-attempts");
    expect(attempts).toHaveValue("5");
    await user.clear(attempts);
    await user.type(attempts, "25");
    await user.clear(screen.getByTestId("outbox-backoff-base"));
    await user.type(screen.getByTestId("outbox-backoff-base"), "30");
    fireEvent.change(screen.getByTestId("outbox-quiet-from"), { target: { value: "22:00" } });
    fireEvent.change(screen.getByTestId("outbox-quiet-to"), { target: { value: "07:00" } });
    await user.click(screen.getByTestId("outbox-save"));

    const error = await screen.findByTestId("outbox-max-attempts-error");
    expect(error).toHaveTextContent("بين 1 و20");
    expect(error).not.toHaveTextContent("outbox.");
    expect(screen.getByTestId("outbox-max-attempts")).toHaveValue("25");
    expect(screen.getByTestId("outbox-backoff-base")).toHaveValue("30");
    expect(screen.getByTestId("outbox-quiet-from")).toHaveValue("22:00");
    expect(screen.queryByTestId("outbox-notice")).toBeNull();

    await user.clear(screen.getByTestId("outbox-max-attempts"));
    expect(screen.queryByTestId("outbox-max-attempts-error")).toBeNull();
    await user.type(screen.getByTestId("outbox-max-attempts"), "8");
    await user.click(screen.getByTestId("outbox-save"));
    expect(await screen.findByTestId("outbox-notice")).toHaveTextContent("حُفظت قواعد الإرسال");
    expect(calls.filter((c) => c.cmd === "save_outbox_settings").at(-1)?.args.input).toEqual({
      maxAttempts: 8,
      backoffBaseSecs: 30,
      backoffMaxSecs: 600,
      quietHours: "22:00-07:00",
    });
    expect(screen.getByTestId("outbox-quiet-state")).toHaveTextContent("22:00");
  });

  it("says at the quiet hours when only one end is given", async () => {
    const user = userEvent.setup();
    renderApp({ page: "settings" });
    fireEvent.change(await screen.findByTestId("outbox-quiet-from"), { target: { value: "22:00" } });
    await user.click(screen.getByTestId("outbox-save"));
    const error = await screen.findByTestId("outbox-quiet-error");
    expect(error).toHaveTextContent("ساعات الهدوء");
    expect(error).toHaveTextContent("22:00-");
    expect(screen.getByTestId("outbox-quiet-from")).toHaveValue("22:00");
  });
});
