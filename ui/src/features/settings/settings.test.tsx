import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

function card(id: string): HTMLElement {
  const found = screen.getAllByTestId("provider-card").find((c) => c.dataset.provider === id);
  if (!found) throw new Error(`no card for ${id}`);
  return found;
}

async function openProviders(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("settings-tab-providers"));
  await screen.findAllByTestId("provider-card");
}

describe("providers", () => {
  it("lists every provider by channel, each a sandbox stand-in until configured", async () => {
    const user = userEvent.setup();
    renderApp({ page: "settings" });
    await openProviders(user);
    const channels = screen.getAllByTestId("providers-channel").map((c) => c.dataset.channel);
    expect(channels).toEqual(["sms", "whatsapp", "email", "push", "voice"]);
    expect(screen.getAllByTestId("provider-card").map((c) => c.dataset.provider)).toEqual([
      "twilio",
      "taqnyat",
      "msegat",
      "meta",
      "twilio_whatsapp",
      "smtp",
      "fcm",
      "onesignal",
      "twilio_voice",
    ]);
    expect(within(card("taqnyat")).getByTestId("provider-state")).toHaveTextContent("بديل تجريبي");
    expect(within(card("taqnyat")).getByTestId("provider-circuit")).toHaveTextContent("يعمل");
    expect(within(card("taqnyat"))).toBeDefined();
    expect(card("taqnyat")).toHaveTextContent("0.07 ر.س");
  });

  it("shows a save error at its field, translated with the field's name, and keeps what was typed", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "settings" });
    await openProviders(user);
    await user.click(within(card("taqnyat")).getByTestId("provider-edit"));
    await user.type(within(card("taqnyat")).getByTestId("provider-field-sender"), "Wasel");
    await user.click(within(card("taqnyat")).getByTestId("provider-save"));

    const error = await within(card("taqnyat")).findByTestId("provider-field-token-error");
    expect(error).toHaveTextContent("املأ الحقل «رمز الوصول (Bearer token)»");
    expect(error).not.toHaveTextContent("provider.");
    expect(within(card("taqnyat")).getByTestId("provider-field-sender")).toHaveValue("Wasel");
    expect(calls.find((c) => c.cmd === "save_provider")?.args.input).toMatchObject({
      id: "taqnyat",
      fields: { token: "", sender: "Wasel", base_url: "" },
      ratePerSec: 10,
      unitPriceHalalas: 7,
    });

    // A wrong Account SID is shown at its own field; the other values stay.
    await user.click(within(card("twilio")).getByTestId("provider-edit"));
    await user.type(within(card("twilio")).getByTestId("provider-field-account_sid"), "ACnot-a-sid");
    await user.type(within(card("twilio")).getByTestId("provider-field-auth_token"), "secret-token");
    await user.type(within(card("twilio")).getByTestId("provider-field-from"), "+966500000000");
    await user.click(within(card("twilio")).getByTestId("provider-save"));
    expect(await within(card("twilio")).findByTestId("provider-field-account_sid-error")).toHaveTextContent("معرّف الحساب غير صحيح");
    expect(within(card("twilio")).getByTestId("provider-field-account_sid")).toHaveValue("ACnot-a-sid");
    expect(within(card("twilio")).getByTestId("provider-field-auth_token")).toHaveValue("secret-token");
    expect(within(card("twilio")).getByTestId("provider-field-from")).toHaveValue("+966500000000");
  });

  it("saves a provider, keeps its secret out of sight, and clears it after confirming", async () => {
    const user = userEvent.setup();
    renderApp({ page: "settings" });
    expect(await screen.findByTestId("sandbox-banner")).toBeInTheDocument();
    await openProviders(user);
    const taqnyat = () => card("taqnyat");
    await user.click(within(taqnyat()).getByTestId("provider-edit"));
    await user.type(within(taqnyat()).getByTestId("provider-field-token"), "bearer-secret");
    await user.type(within(taqnyat()).getByTestId("provider-field-sender"), "Wasel");
    await user.click(within(taqnyat()).getByTestId("provider-save"));

    expect(await within(taqnyat()).findByTestId("provider-notice")).toHaveTextContent("حُفظت إعدادات تقنيات");
    expect(within(taqnyat()).getByTestId("provider-state")).toHaveTextContent("حساب حقيقي");
    expect(within(taqnyat()).getByTestId("provider-field-token")).toHaveValue("");
    expect(within(taqnyat()).getByTestId("provider-field-token-saved")).toHaveTextContent("محفوظ");
    expect(within(taqnyat()).getByTestId("provider-field-sender")).toHaveValue("Wasel");
    await waitFor(() => expect(screen.queryByTestId("sandbox-banner")).toBeNull());

    await user.click(within(taqnyat()).getByTestId("provider-clear"));
    await user.click(await screen.findByTestId("provider-clear-confirm"));
    await waitFor(() => expect(within(taqnyat()).getByTestId("provider-state")).toHaveTextContent("بديل تجريبي"));
    expect(within(taqnyat()).getByTestId("provider-notice")).toHaveTextContent("حُذفت بيانات تقنيات");
    expect(await screen.findByTestId("sandbox-banner")).toBeInTheDocument();
  });

  it("moves a provider down the failover order with the channel's ids in the new order", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "settings" });
    await openProviders(user);
    expect(within(card("twilio")).getByTestId("provider-up")).toBeDisabled();
    await user.click(within(card("twilio")).getByTestId("provider-down"));

    await waitFor(() =>
      expect(calls).toContainEqual({ cmd: "set_failover_order", args: { channel: "sms", ids: ["taqnyat", "twilio", "msegat"] } }),
    );
    await waitFor(() =>
      expect(
        within(screen.getAllByTestId("providers-channel")[0]).getAllByTestId("provider-card").map((c) => c.dataset.provider),
      ).toEqual(["taqnyat", "twilio", "msegat"]),
    );
    expect(within(card("taqnyat")).getByTestId("provider-up")).toBeDisabled();
    expect(within(card("msegat")).getByTestId("provider-down")).toBeDisabled();
  });

  it("explains a connection test in words: result, detail, time and the sandbox", async () => {
    const user = userEvent.setup();
    renderApp({
      page: "settings",
      override: (cmd, args) => {
        if (cmd === "test_provider" && args.id === "msegat") {
          return {
            provider: "msegat",
            ok: false,
            sandbox: false,
            detail: null,
            error: { code: "provider.auth_failed", params: {} },
            latencyMs: 312,
          };
        }
        return undefined;
      },
    });
    await openProviders(user);
    await user.click(within(card("meta")).getByTestId("provider-test"));
    const ok = await within(card("meta")).findByTestId("provider-check-result");
    expect(ok).toHaveAttribute("data-ok", "true");
    expect(ok).toHaveTextContent("الاتصال ناجح");
    expect(ok).toHaveTextContent("Wasel Day Care");
    expect(ok).toHaveTextContent("ملّي ثانية");
    expect(ok).toHaveTextContent("(محاكي التجربة)");

    await user.click(within(card("msegat")).getByTestId("provider-test"));
    const failed = await within(card("msegat")).findByTestId("provider-check-result");
    expect(failed).toHaveAttribute("data-ok", "false");
    expect(failed).toHaveTextContent("تعذّر الاتصال");
    expect(failed).toHaveTextContent("رفض مزوّد الخدمة بيانات الدخول");
    expect(failed).toHaveTextContent("312");
    expect(failed).not.toHaveTextContent("محاكي");
    expect(failed).not.toHaveTextContent("auth_failed");
  });

  it("sends a test to an address typed for the channel, and shows a bad one at the field", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "settings" });
    await openProviders(user);
    const smtp = () => card("smtp");
    await user.click(within(smtp()).getByTestId("provider-edit"));
    await user.type(within(smtp()).getByTestId("provider-test-to"), "not-an-email");
    await user.click(within(smtp()).getByTestId("provider-send-test"));
    expect(await within(smtp()).findByTestId("provider-test-to-error")).toHaveTextContent("ليس عنوان بريد إلكتروني صالحًا");
    expect(within(smtp()).getByTestId("provider-test-to")).toHaveValue("not-an-email");

    await user.clear(within(smtp()).getByTestId("provider-test-to"));
    await user.type(within(smtp()).getByTestId("provider-test-to"), "desk@example.com");
    await user.click(within(smtp()).getByTestId("provider-send-test"));
    const result = await within(smtp()).findByTestId("provider-check-result");
    expect(result).toHaveAttribute("data-kind", "send");
    expect(result).toHaveTextContent("أُرسلت التجربة");
    expect(calls).toContainEqual({ cmd: "send_provider_test", args: { id: "smtp", to: "desk@example.com" } });
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

describe("security settings", () => {
  it("shows a refused idle lock at its field, keeps the values, then saves and the session follows", async () => {
    const user = userEvent.setup();
    const { calls, client } = renderApp({ page: "settings" });
    const idle = await screen.findByTestId("security-idle");
    expect(idle).toHaveValue("10");
    expect(screen.getByTestId("security-max-failed")).toHaveValue("5");
    await user.clear(idle);
    await user.type(idle, "500");
    await user.clear(screen.getByTestId("security-lockout"));
    await user.type(screen.getByTestId("security-lockout"), "30");
    await user.click(screen.getByTestId("security-save"));

    const error = await screen.findByTestId("security-idle-error");
    expect(error).toHaveTextContent("بين 1 و240 دقيقة");
    expect(screen.getByTestId("security-idle")).toHaveValue("500");
    expect(screen.getByTestId("security-lockout")).toHaveValue("30");

    await user.clear(screen.getByTestId("security-idle"));
    expect(screen.queryByTestId("security-idle-error")).toBeNull();
    await user.type(screen.getByTestId("security-idle"), "5");
    await user.click(screen.getByTestId("security-save"));
    expect(await screen.findByTestId("security-notice")).toHaveTextContent("حُفظت إعدادات الأمان");
    expect(calls.filter((c) => c.cmd === "save_security_settings").at(-1)?.args.input).toEqual({
      idleLockMinutes: 5,
      maxFailedLogins: 5,
      lockoutMinutes: 30,
      sessionHours: 12,
    });
    // The idle lock now counts five minutes.
    await waitFor(() =>
      expect(client.getQueryData<{ session: { idleLockMinutes: number } }>(["auth-state"])?.session.idleLockMinutes).toBe(5),
    );
  });

  it("marks both of a refused pair: wrong passwords and the lockout", async () => {
    const user = userEvent.setup();
    renderApp({ page: "settings" });
    const max = await screen.findByTestId("security-max-failed");
    await user.clear(max);
    await user.type(max, "1");
    await user.click(screen.getByTestId("security-save"));
    expect(await screen.findByTestId("security-max-failed-error")).toHaveTextContent("بين 3 و20");
    expect(screen.getByTestId("security-lockout")).toHaveAttribute("aria-invalid", "true");
  });
});
