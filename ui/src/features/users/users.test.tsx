import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

function row(username: string): HTMLElement {
  const found = screen.getAllByTestId("user-row").find((r) => r.dataset.username === username);
  if (!found) throw new Error(`no row for ${username}`);
  return found;
}

describe("users", () => {
  it("lists each user with their roles, state and last sign-in", async () => {
    renderApp({ page: "users" });
    await screen.findByTestId("users-table");
    expect(screen.getAllByTestId("user-row").map((r) => r.dataset.username)).toEqual(["sara.admin", "reem", "dr.khalid", "huda"]);
    expect(within(row("sara.admin")).getByTestId("user-role")).toHaveTextContent("مدير النظام");
    expect(within(row("huda")).getByTestId("user-role")).toHaveTextContent("مدقق");
    expect(within(row("reem")).getByTestId("user-state")).toHaveTextContent("نشط");
    expect(row("reem")).toHaveTextContent("لم يسجّل الدخول بعد");
    // Nobody disables themselves.
    expect(within(row("sara.admin")).queryByTestId("user-toggle")).toBeNull();
  });

  it("creates a user: a weak password is explained at the password field and nothing typed is lost", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "users" });
    await user.click(await screen.findByTestId("users-new"));
    await user.type(await screen.findByTestId("new-user-username"), "nora.d");
    await user.type(screen.getByTestId("new-user-display-name"), "نورة الدوسري");
    await user.type(screen.getByTestId("new-user-password"), "short1");
    await user.click(screen.getByTestId("role-clinician"));
    await user.click(screen.getByTestId("new-user-submit"));

    const error = await screen.findByTestId("new-user-password-error");
    expect(error).toHaveTextContent("كلمة المرور تحتاج إلى 10 أحرف على الأقل");
    expect(screen.getByTestId("new-user-username")).toHaveValue("nora.d");
    expect(screen.getByTestId("new-user-display-name")).toHaveValue("نورة الدوسري");
    expect(screen.getByTestId("new-user-password")).toHaveValue("short1");
    expect(screen.getByTestId("role-clinician")).toBeChecked();

    await user.type(screen.getByTestId("new-user-password"), "-garden-7");
    expect(screen.queryByTestId("new-user-password-error")).toBeNull();
    await user.click(screen.getByTestId("new-user-submit"));

    expect(await screen.findByTestId("users-notice")).toHaveTextContent("أُنشئ حساب نورة الدوسري");
    await waitFor(() => expect(row("nora.d")).toHaveTextContent("نورة الدوسري"));
    expect(within(row("nora.d")).getAllByTestId("user-role").map((b) => b.textContent)).toEqual(["الاستقبال", "أخصائي"]);
    expect(calls.filter((c) => c.cmd === "create_user").at(-1)?.args.input).toEqual({
      username: "nora.d",
      displayName: "نورة الدوسري",
      password: "short1-garden-7",
      roles: ["reception", "clinician"],
    });
  });

  it("shows a taken username at the username field", async () => {
    const user = userEvent.setup();
    renderApp({ page: "users" });
    await user.click(await screen.findByTestId("users-new"));
    await user.type(await screen.findByTestId("new-user-username"), "Reem");
    await user.type(screen.getByTestId("new-user-password"), "Blue-Harbour-47");
    await user.click(screen.getByTestId("new-user-submit"));
    expect(await screen.findByTestId("new-user-username-error")).toHaveTextContent("يوجد مستخدم بهذا الاسم بالفعل");
  });

  it("changes a user's roles, and refuses none at the roles", async () => {
    const user = userEvent.setup();
    renderApp({ page: "users" });
    await screen.findByTestId("users-table");
    await user.click(within(row("reem")).getByTestId("user-edit-roles"));
    await user.click(await screen.findByTestId("role-reception"));
    await user.click(screen.getByTestId("roles-submit"));
    expect(await screen.findByTestId("user-roles-error")).toHaveTextContent("اختر دورًا واحدًا على الأقل");

    await user.click(screen.getByTestId("role-auditor"));
    await user.click(screen.getByTestId("roles-submit"));
    expect(await screen.findByTestId("users-notice")).toHaveTextContent("حُفظت أدوار ريم الحربي");
    await waitFor(() => expect(within(row("reem")).getByTestId("user-role")).toHaveTextContent("مدقق"));
  });

  it("disables a user after asking, then enables them again", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp({ page: "users" });
    await screen.findByTestId("users-table");
    await user.click(within(row("dr.khalid")).getByTestId("user-toggle"));
    expect(await screen.findByRole("dialog")).toHaveTextContent("لن يتمكن د. خالد العمري من تسجيل الدخول");
    expect(calls.some((c) => c.cmd === "set_user_disabled")).toBe(false);
    await user.click(screen.getByTestId("toggle-submit"));
    await waitFor(() => expect(within(row("dr.khalid")).getByTestId("user-state")).toHaveAttribute("data-state", "disabled"));
    expect(within(row("dr.khalid")).getByTestId("user-toggle")).toHaveTextContent("تفعيل");

    await user.click(within(row("dr.khalid")).getByTestId("user-toggle"));
    await user.click(await screen.findByTestId("toggle-submit"));
    await waitFor(() => expect(within(row("dr.khalid")).getByTestId("user-state")).toHaveAttribute("data-state", "active"));
  });

  it("sets a new password, explaining a refused one at the field", async () => {
    const user = userEvent.setup();
    const { backend } = renderApp({ page: "users" });
    await screen.findByTestId("users-table");
    await user.click(within(row("reem")).getByTestId("user-reset-password"));
    await user.type(await screen.findByTestId("reset-password"), "reem-desk-2026");
    await user.click(screen.getByTestId("reset-submit"));
    expect(await screen.findByTestId("reset-password-error")).toHaveTextContent("اسم المستخدم");
    expect(screen.getByTestId("reset-password")).toHaveValue("reem-desk-2026");

    await user.clear(screen.getByTestId("reset-password"));
    await user.type(screen.getByTestId("reset-password"), "Quiet-Garden-58");
    await user.click(screen.getByTestId("reset-submit"));
    expect(await screen.findByTestId("users-notice")).toHaveTextContent("عُيّنت كلمة مرور جديدة لـريم الحربي");
    expect(backend.accounts.users.find((u) => u.username === "reem")?.password).toBe("Quiet-Garden-58");
  });
});
