import { screen, waitFor } from "@testing-library/react";
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
  });
});
