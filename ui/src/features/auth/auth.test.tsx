import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FAKE_PASSWORD } from "../../ipc/fake";
import { renderApp } from "../../test/render";

const BODY = "تذكير بموعد الجلسة غدًا";

describe("the first run", () => {
  it("creates the first administrator, keeping what was typed through a refusal, and enters the app", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ auth: "first-run" });
    await screen.findByTestId("first-admin-form");
    expect(screen.getByTestId("password-policy")).toHaveTextContent("10 أحرف على الأقل");
    expect(screen.getByTestId("password-policy")).toHaveTextContent("لا تحتوي على اسم المستخدم");

    await user.type(screen.getByTestId("first-admin-username"), "mona");
    await user.type(screen.getByTestId("first-admin-display-name"), "منى السبيعي");
    await user.type(screen.getByTestId("first-admin-password"), "mona-2026-desk");
    await user.type(screen.getByTestId("first-admin-confirm"), "mona-2026-desk");
    await user.click(screen.getByTestId("first-admin-submit"));

    // The backend's reason, in words, at the password; everything typed is still there.
    expect(await screen.findByTestId("first-admin-password-error")).toHaveTextContent("يجب ألا تحتوي كلمة المرور على اسم المستخدم");
    expect(screen.getByTestId("first-admin-username")).toHaveValue("mona");
    expect(screen.getByTestId("first-admin-display-name")).toHaveValue("منى السبيعي");
    expect(screen.getByTestId("first-admin-password")).toHaveValue("mona-2026-desk");

    await user.clear(screen.getByTestId("first-admin-password"));
    await user.type(screen.getByTestId("first-admin-password"), "Blue-Harbour-47");
    await user.click(screen.getByTestId("first-admin-submit"));
    expect(await screen.findByTestId("first-admin-confirm-error")).toHaveTextContent("غير متطابقتين");

    await user.clear(screen.getByTestId("first-admin-confirm"));
    await user.type(screen.getByTestId("first-admin-confirm"), "Blue-Harbour-47");
    await user.click(screen.getByTestId("first-admin-submit"));

    expect(await screen.findByTestId("signed-in-user")).toHaveTextContent("منى السبيعي");
    expect(screen.getByTestId("nav-users")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "create_first_admin").at(-1)?.args.input).toEqual({
      username: "mona",
      displayName: "منى السبيعي",
      password: "Blue-Harbour-47",
      roles: ["admin"],
    });
  });
});

describe("signing in", () => {
  it("says a wrong password in words, keeps the username, then lets the right one in", async () => {
    const user = userEvent.setup();
    renderApp({ auth: "signed-out" });
    await user.type(await screen.findByTestId("signin-username"), "reem");
    await user.type(screen.getByTestId("signin-password"), "not-her-password-1");
    await user.click(screen.getByTestId("signin-submit"));

    const error = await screen.findByTestId("signin-error");
    expect(error).toHaveTextContent("اسم المستخدم أو كلمة المرور غير صحيحة");
    expect(error).not.toHaveTextContent("auth.");
    expect(screen.getByTestId("signin-username")).toHaveValue("reem");
    expect(screen.getByTestId("signin-password")).toHaveValue("");

    await user.type(screen.getByTestId("signin-password"), FAKE_PASSWORD);
    await user.click(screen.getByTestId("signin-submit"));
    expect(await screen.findByTestId("signed-in-user")).toHaveTextContent("ريم الحربي");
  });

  it("locks the account after five wrong passwords and says for how long", async () => {
    const user = userEvent.setup();
    renderApp({ auth: "signed-out" });
    await user.type(await screen.findByTestId("signin-username"), "reem");
    for (let i = 0; i < 5; i += 1) {
      await user.type(screen.getByTestId("signin-password"), `wrong-guess-${i}`);
      await user.click(screen.getByTestId("signin-submit"));
      await waitFor(() => expect(screen.getByTestId("signin-password")).toHaveValue(""));
    }
    expect(await screen.findByTestId("signin-error")).toHaveTextContent("هذا الحساب مقفل لمدة 15 دقيقة");
    // Even the right password waits now.
    await user.type(screen.getByTestId("signin-password"), FAKE_PASSWORD);
    await user.click(screen.getByTestId("signin-submit"));
    await waitFor(() => expect(screen.getByTestId("signin-error")).toHaveTextContent("مقفل"));
    expect(screen.queryByTestId("app-shell")).toBeNull();
  });

  it("switches the sign-in page between Arabic (right to left) and English (left to right)", async () => {
    const user = userEvent.setup();
    renderApp({ auth: "signed-out" });
    expect(await screen.findByRole("heading", { name: "تسجيل الدخول" })).toBeInTheDocument();
    expect(document.documentElement.dir).toBe("rtl");

    await user.click(screen.getByTestId("lang-toggle"));
    await waitFor(() => expect(document.documentElement.dir).toBe("ltr"));
    expect(document.documentElement.lang).toBe("en");
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument();

    await user.click(screen.getByTestId("lang-toggle"));
    await waitFor(() => expect(document.documentElement.dir).toBe("rtl"));
    expect(screen.getByRole("heading", { name: "تسجيل الدخول" })).toBeInTheDocument();
  });

  it("shows who is signed in, and signing out returns to the sign-in page", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp();
    expect(await screen.findByTestId("signed-in-user")).toHaveTextContent("سارة الأحمد");
    await user.click(screen.getByTestId("sign-out"));
    expect(await screen.findByTestId("signin-form")).toBeInTheDocument();
    expect(screen.queryByTestId("app-shell")).toBeNull();
    expect(calls.some((c) => c.cmd === "logout")).toBe(true);
  });

  it("returns to the sign-in page when the session ends under the app", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ page: "messages", seedMessages: true });
    await screen.findAllByTestId("message-row");
    backend.accounts.state.session = null;
    await user.click(screen.getByTestId("nav-settings"));
    expect(await screen.findByTestId("signin-form")).toBeInTheDocument();
  });
});

describe("the idle lock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("appears over the compose form when the console locked, and the typed text is still there after unlocking", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp();
    const body = await screen.findByTestId("compose-body");
    await user.type(screen.getByTestId("compose-to"), "0551234567");
    await user.type(body, BODY);

    // The backend locked (the user walked away): the next command is refused and the lock shows.
    act(() => backend.lock());
    await user.type(body, ".");
    const overlay = await screen.findByTestId("lock-form");
    expect(overlay).toHaveTextContent("سارة الأحمد");
    expect(screen.getByTestId("signed-in-app")).toHaveAttribute("inert");

    await user.type(within(overlay).getByTestId("unlock-password"), "wrong-password-1");
    await user.click(within(overlay).getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent("غير صحيحة");

    await user.type(screen.getByTestId("unlock-password"), FAKE_PASSWORD);
    await user.click(screen.getByTestId("unlock-submit"));
    await waitFor(() => expect(screen.queryByTestId("lock-form")).toBeNull());
    expect(screen.getByTestId("signed-in-app")).not.toHaveAttribute("inert");
    expect(screen.getByTestId("compose-body")).toHaveValue(`${BODY}.`);
    expect(screen.getByTestId("compose-to")).toHaveValue("0551234567");
  });

  it("locks by itself after the session's idle minutes without a keystroke or click", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    // Only the window's own clock may lock here: the attention badge's polling is answered aside.
    const { calls } = renderApp({ override: (cmd) => (cmd === "needs_attention" ? [] : undefined) });
    await user.type(await screen.findByTestId("compose-body"), BODY);
    expect(calls.filter((c) => c.cmd === "console_activity")).toHaveLength(1);

    await act(() => vi.advanceTimersByTimeAsync(9 * 60_000));
    expect(screen.queryByTestId("lock-form")).toBeNull();
    await act(() => vi.advanceTimersByTimeAsync(60_000 + 1_000));
    expect(await screen.findByTestId("lock-form")).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "lock_console")).toBe(true);
    expect(screen.getByTestId("compose-body")).toHaveValue(BODY);
  });

  it("tells the backend of activity at most every 30 seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const { calls } = renderApp({ override: (cmd) => (cmd === "needs_attention" ? [] : undefined) });
    const body = await screen.findByTestId("compose-body");
    await user.type(body, "أ");
    await user.type(body, "ب");
    expect(calls.filter((c) => c.cmd === "console_activity")).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(31_000));
    await user.type(body, "ج");
    expect(calls.filter((c) => c.cmd === "console_activity")).toHaveLength(2);
  });
});
