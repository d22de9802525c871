import { screen, waitFor } from "@testing-library/react";
import userEvent, { type UserEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FAKE_PASSWORD } from "../../ipc/fake";
import { renderApp } from "../../test/render";

const NEW_PASSWORD = "Olive-Lantern-39";

async function openChangePassword(user: UserEvent): Promise<HTMLElement> {
  await user.click(await screen.findByTestId("user-menu"));
  await user.click(await screen.findByTestId("change-password-open"));
  return screen.findByTestId("change-password-form");
}

async function fill(user: UserEvent, { current, password, confirm = password }: { current: string; password: string; confirm?: string }) {
  await user.type(screen.getByTestId("change-password-current"), current);
  await user.type(screen.getByTestId("change-password-new"), password);
  await user.type(screen.getByTestId("change-password-confirm"), confirm);
  await user.click(screen.getByTestId("change-password-submit"));
}

describe("changing one's own password", () => {
  it("reem changes her password from the header, it is audited, and only the new one signs her in afterwards", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ auth: "reception" });
    await openChangePassword(user);
    expect(screen.getByTestId("password-policy")).toHaveTextContent("لا تحتوي على اسم المستخدم");
    await fill(user, { current: FAKE_PASSWORD, password: NEW_PASSWORD });

    expect(await screen.findByTestId("app-notice")).toHaveTextContent("تم تغيير كلمة المرور");
    await waitFor(() => expect(screen.queryByTestId("change-password-form")).toBeNull());
    expect(backend.audit.entries.at(-1)).toMatchObject({ actor: "reem", action: "user.password_change", entity: "user" });

    await user.click(screen.getByTestId("sign-out"));
    await user.type(await screen.findByTestId("signin-username"), "reem");
    await user.type(screen.getByTestId("signin-password"), FAKE_PASSWORD);
    await user.click(screen.getByTestId("signin-submit"));
    expect(await screen.findByTestId("signin-error")).toHaveTextContent("غير صحيحة");

    await user.type(screen.getByTestId("signin-password"), NEW_PASSWORD);
    await user.click(screen.getByTestId("signin-submit"));
    expect(await screen.findByTestId("signed-in-user")).toHaveTextContent("ريم الحربي");
  });

  it("a wrong current password is said at that field; the new password stays typed and only the current one is typed again", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ auth: "reception" });
    await openChangePassword(user);
    await fill(user, { current: "not-my-password-1", password: NEW_PASSWORD });

    const error = await screen.findByTestId("change-password-current-error");
    expect(error).toHaveTextContent("كلمة المرور الحالية غير صحيحة");
    expect(error).not.toHaveTextContent("auth.");
    expect(screen.getByTestId("change-password-current")).toHaveValue("");
    expect(screen.getByTestId("change-password-current")).toHaveFocus();
    expect(screen.getByTestId("change-password-new")).toHaveValue(NEW_PASSWORD);
    expect(screen.getByTestId("change-password-confirm")).toHaveValue(NEW_PASSWORD);
    expect(screen.queryByTestId("change-password-error")).toBeNull();

    // Typing the current password again takes the message away; the right one goes through.
    await user.type(screen.getByTestId("change-password-current"), FAKE_PASSWORD);
    expect(screen.queryByTestId("change-password-current-error")).toBeNull();
    await user.click(screen.getByTestId("change-password-submit"));
    expect(await screen.findByTestId("app-notice")).toBeInTheDocument();
    expect(backend.accounts.users.find((u) => u.username === "reem")?.password).toBe(NEW_PASSWORD);
  });

  it("a too-short new password is explained by the policy at the new-password field, nothing typed is lost", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ auth: "reception" });
    await openChangePassword(user);
    await fill(user, { current: FAKE_PASSWORD, password: "short-1" });

    expect(await screen.findByTestId("change-password-new-error")).toHaveTextContent("كلمة المرور تحتاج إلى 10 أحرف على الأقل");
    expect(screen.queryByTestId("change-password-current-error")).toBeNull();
    expect(screen.getByTestId("change-password-current")).toHaveValue(FAKE_PASSWORD);
    expect(screen.getByTestId("change-password-new")).toHaveValue("short-1");
    expect(screen.getByTestId("change-password-confirm")).toHaveValue("short-1");
    expect(backend.accounts.users.find((u) => u.username === "reem")?.password).toBe(FAKE_PASSWORD);
  });

  it("two different new passwords are caught in the window, without asking the backend", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ auth: "reception" });
    await openChangePassword(user);
    await fill(user, { current: FAKE_PASSWORD, password: NEW_PASSWORD, confirm: "Olive-Lantern-93" });

    expect(await screen.findByTestId("change-password-confirm-error")).toHaveTextContent("غير متطابقتين");
    expect(calls.some((c) => c.cmd === "change_own_password")).toBe(false);
    expect(screen.getByTestId("change-password-current")).toHaveValue(FAKE_PASSWORD);
  });

  it("reads left to right in English, with the same checks", async () => {
    const user = userEvent.setup();
    renderApp({ auth: "reception" });
    await user.click(await screen.findByTestId("lang-toggle"));
    await waitFor(() => expect(document.documentElement.dir).toBe("ltr"));
    await openChangePassword(user);
    expect(screen.getByRole("dialog", { name: "Change your password" })).toBeInTheDocument();
    await fill(user, { current: "not-my-password-1", password: NEW_PASSWORD });
    expect(await screen.findByTestId("change-password-current-error")).toHaveTextContent("The current password is not right.");
  });
});
