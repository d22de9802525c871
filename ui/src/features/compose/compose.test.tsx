import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

const BODY = "تذكير بموعد الجلسة غدًا";

describe("compose", () => {
  it("keeps what was typed and shows the translated phone error at the number field", async () => {
    const user = userEvent.setup();
    renderApp();
    const to = await screen.findByTestId("compose-to");
    await user.type(to, "12345");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-send"));

    const error = await screen.findByTestId("compose-to-error");
    expect(error).toHaveTextContent("غير صحيح");
    expect(error).toHaveTextContent("12345");
    expect(error).not.toHaveTextContent("phone.invalid");
    expect(screen.getByTestId("compose-to")).toHaveValue("12345");
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);
  });

  it("shows a body error at the text field", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-body-error")).toHaveTextContent("اكتب نص الرسالة");
    expect(screen.getByTestId("compose-to")).toHaveValue("0551234567");
  });

  it("retries a failed draft with the same idempotency key and shows other errors as an alert", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({
      override: (cmd) => {
        if (cmd === "send_sms") throw { code: "db.unavailable", params: {} };
        return undefined;
      },
    });
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-error")).toHaveTextContent("قاعدة البيانات غير متاحة");
    await user.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "send_sms")).toHaveLength(2));

    const keys = calls
      .filter((c) => c.cmd === "send_sms")
      .map((c) => (c.args.input as { idempotencyKey: string }).idempotencyKey);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);
  });

  it("previews the normalised number and segments, then sends and clears the form", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.type(await screen.findByTestId("compose-to"), "00966 55 500 1234");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await waitFor(() => {
      expect(screen.getByTestId("compose-normalized")).toHaveTextContent("+966555001234");
      expect(screen.getByTestId("compose-segments")).toHaveTextContent("1");
      expect(screen.getByTestId("compose-encoding")).toHaveTextContent("UCS-2");
    });

    await user.click(screen.getByTestId("compose-send"));
    expect(await screen.findByTestId("compose-success")).toBeInTheDocument();
    expect(screen.getByTestId("compose-to")).toHaveValue("");
    expect(screen.getByTestId("compose-body")).toHaveValue("");
    const send = calls.find((c) => c.cmd === "send_sms");
    expect(send?.args.input).toMatchObject({ to: "00966 55 500 1234", body: BODY, guardianId: null });
    // Nothing scheduled unless asked: the section starts closed and sends its defaults.
    expect(send?.args.input).toMatchObject({ sendAt: null, expiresAt: null, urgent: false });
    expect(screen.getByTestId("compose-schedule-toggle")).toHaveAttribute("aria-expanded", "false");
  });
});

describe("scheduling", () => {
  it("sends Riyadh wall-clock times as UTC and says when the message will go", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-schedule-toggle"));
    expect(screen.getByTestId("compose-schedule-toggle")).toHaveAttribute("aria-expanded", "true");

    // 10:30 and 12:00 in Riyadh (UTC+3) whatever the test machine's zone.
    fireEvent.change(screen.getByTestId("compose-send-at"), { target: { value: "2030-01-15T10:30" } });
    fireEvent.change(screen.getByTestId("compose-expires-at"), { target: { value: "2030-01-15T12:00" } });
    await user.click(screen.getByTestId("compose-urgent"));
    expect(screen.getByTestId("compose-send-at-riyadh")).toHaveTextContent("10:30");
    expect(screen.getByTestId("compose-send")).toHaveTextContent("جدولة");
    await user.click(screen.getByTestId("compose-send"));

    const success = await screen.findByTestId("compose-success");
    expect(success).toHaveAttribute("data-status", "scheduled");
    expect(success).toHaveTextContent("جُدولت الرسالة");
    expect(success).toHaveTextContent("10:30");
    const send = calls.find((c) => c.cmd === "send_sms");
    expect(send?.args.input).toMatchObject({
      sendAt: "2030-01-15T07:30:00Z",
      expiresAt: "2030-01-15T09:00:00Z",
      urgent: true,
    });
    // A new draft starts without a schedule.
    expect(screen.getByTestId("compose-send-at")).toHaveValue("");
    expect(screen.getByTestId("compose-urgent")).not.toBeChecked();
  });

  it("shows a schedule error at the expiry field and keeps everything typed", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.type(await screen.findByTestId("compose-to"), "0551234567");
    await user.type(screen.getByTestId("compose-body"), BODY);
    await user.click(screen.getByTestId("compose-schedule-toggle"));
    fireEvent.change(screen.getByTestId("compose-send-at"), { target: { value: "2030-01-15T10:30" } });
    fireEvent.change(screen.getByTestId("compose-expires-at"), { target: { value: "2030-01-15T09:00" } });
    await user.click(screen.getByTestId("compose-send"));

    const error = await screen.findByTestId("compose-expires-at-error");
    expect(error).toHaveTextContent("يسبق وقت الإرسال");
    expect(error).not.toHaveTextContent("schedule.");
    expect(screen.queryByTestId("compose-error")).toBeNull();
    expect(screen.getByTestId("compose-send-at")).toHaveValue("2030-01-15T10:30");
    expect(screen.getByTestId("compose-expires-at")).toHaveValue("2030-01-15T09:00");
    expect(screen.getByTestId("compose-to")).toHaveValue("0551234567");
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);

    // Closing the section keeps the values (and they are still sent); an error opens it again.
    await user.click(screen.getByTestId("compose-schedule-toggle"));
    expect(screen.getByTestId("compose-schedule-toggle")).toHaveTextContent("إرسال لاحق");
    await user.click(screen.getByTestId("compose-send"));
    await waitFor(() => expect(screen.getByTestId("compose-schedule-toggle")).toHaveAttribute("aria-expanded", "true"));
    expect(await screen.findByTestId("compose-expires-at-error")).toBeInTheDocument();
  });
});
