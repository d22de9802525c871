// The accounts: seeded users (one per role, all with `FAKE_PASSWORD`), the security settings, and
// what an admin does on the Users screen. Each change is audited as the core audits it.
import type { NewUserInput, Role, SecuritySettings, UserView } from "../bindings";
import type { AuditTrail } from "./audit";
import { checkPassword, checkSecurity, checkUsername } from "./policy";
import { fail } from "./rules";

/** Every seeded user signs in with this (it meets the policy). */
export const FAKE_PASSWORD = "Wasel-Desk-2026";

/** Who is there at the start: signed in with a role (default `admin`), signed out, or no user at all. */
export type FakeAuth = Role | "signed-out" | "first-run";

export type FakeUser = UserView & { password: string; failed: number };

export type FakeSession = { userId: string; locked: boolean; lastActive: number; expiresAt: number };

/** One user per role, the first of them the admin. */
const SEED: [string, string, Role][] = [
  ["sara.admin", "سارة الأحمد", "admin"],
  ["reem", "ريم الحربي", "reception"],
  ["dr.khalid", "د. خالد العمري", "clinician"],
  ["huda", "هدى الزهراني", "auditor"],
];

const ROLE_ORDER: readonly Role[] = ["reception", "clinician", "admin", "auditor"];

let counter = 0;
const newId = () => `0190aaaa-0000-7000-8000-${String((counter += 1)).padStart(12, "0")}`;

export function createAccounts(auth: FakeAuth, audit: AuditTrail) {
  const users: FakeUser[] = [];
  const security: SecuritySettings = { idleLockMinutes: 10, maxFailedLogins: 5, lockoutMinutes: 15, sessionHours: 12 };
  const state: { session: FakeSession | null } = { session: null };

  const add = (input: NewUserInput, at = new Date()): FakeUser => {
    const username = checkUsername(input.username);
    checkPassword(input.password, username);
    if (users.some((u) => u.username.toLowerCase() === username.toLowerCase())) fail("user.exists", { field: "username" });
    const user: FakeUser = {
      id: newId(),
      username,
      displayName: input.displayName.trim() || username,
      roles: [...new Set(input.roles)].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b)),
      disabled: false,
      lockedUntil: null,
      lastLoginAt: null,
      createdAt: at.toISOString(),
      password: input.password,
      failed: 0,
    };
    users.push(user);
    return user;
  };

  if (auth !== "first-run") {
    const start = new Date(Date.now() - 30 * 86_400_000);
    for (const [username, displayName, role] of SEED) {
      const user = add({ username, displayName, password: FAKE_PASSWORD, roles: [role] }, start);
      const shape = { username, display_name: displayName, roles: role };
      audit.append({ actor: SEED[0][0], origin: "console", action: role === "admin" ? "user.first_admin" : "user.create", entity: "user", entityId: user.id, before: null, after: JSON.stringify(shape), at: start });
    }
  }
  if (auth !== "first-run" && auth !== "signed-out") {
    const user = users.find((u) => u.roles.includes(auth)) ?? users[0];
    user.lastLoginAt = new Date().toISOString();
    state.session = openSession(user.id, security);
    audit.append({ actor: user.username, origin: "console", action: "auth.login", entity: "user", entityId: user.id, before: null, after: null });
  }

  const find = (id: string): FakeUser => users.find((u) => u.id === id) ?? fail("user.not_found");
  const current = () => (state.session ? users.find((u) => u.id === state.session?.userId) : undefined);
  const actor = () => current()?.username ?? "anonymous";
  const record = (action: string, id: string, before: unknown = null, after: unknown = null) =>
    audit.append({ actor: actor(), origin: "console", action, entity: "user", entityId: id, before: before === null ? null : JSON.stringify(before), after: after === null ? null : JSON.stringify(after) });
  const otherEnabledAdmins = (id: string) => users.filter((u) => u.id !== id && !u.disabled && u.roles.includes("admin")).length;

  const createUser = (input: NewUserInput): UserView => {
    if (input.roles.length === 0) fail("user.roles_required", { field: "roles" });
    const user = add(input);
    record("user.create", user.id, null, { username: user.username, display_name: user.displayName, roles: user.roles.join(",") });
    return view(user);
  };

  const setRoles = (id: string, roles: Role[]): UserView => {
    if (roles.length === 0) fail("user.roles_required", { field: "roles" });
    const user = find(id);
    if (!roles.includes("admin") && !user.disabled && user.roles.includes("admin") && otherEnabledAdmins(id) === 0) fail("user.last_admin");
    const before = user.roles.join(",");
    user.roles = [...new Set(roles)].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
    record("user.roles", id, { roles: before }, { roles: user.roles.join(",") });
    return view(user);
  };

  const setDisabled = (id: string, disabled: boolean): UserView => {
    const user = find(id);
    if (disabled && state.session?.userId === id) fail("user.disable_self");
    if (disabled && user.roles.includes("admin") && otherEnabledAdmins(id) === 0) fail("user.last_admin");
    const before = user.disabled;
    user.disabled = disabled;
    record(disabled ? "user.disable" : "user.enable", id, { disabled: before }, { disabled });
    return view(user);
  };

  const resetPassword = (id: string, password: string): UserView => {
    const user = find(id);
    checkPassword(password, user.username);
    user.password = password;
    user.failed = 0;
    user.lockedUntil = null;
    record("user.password_reset", id);
    return view(user);
  };

  const changeOwnPassword = (currentPassword: string, password: string): null => {
    const user = current() ?? fail("auth.required");
    if (currentPassword !== user.password) fail("auth.invalid_credentials");
    checkPassword(password, user.username);
    user.password = password;
    record("user.password_change", user.id);
    return null;
  };

  const saveSecurity = (input: SecuritySettings): SecuritySettings => {
    checkSecurity(input);
    const before = { ...security };
    Object.assign(security, input);
    audit.append({ actor: actor(), origin: "console", action: "settings.security", entity: "settings", entityId: "security", before: JSON.stringify(before), after: JSON.stringify(security) });
    return { ...security };
  };

  const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
    list_users: () => users.map(view),
    create_user: (a) => createUser(a.input as NewUserInput),
    set_user_roles: (a) => setRoles(a.id as string, a.roles as Role[]),
    set_user_disabled: (a) => setDisabled(a.id as string, a.disabled as boolean),
    reset_user_password: (a) => resetPassword(a.id as string, a.password as string),
    change_own_password: (a) => changeOwnPassword(a.current as string, a.password as string),
    security_settings: () => ({ ...security }),
    save_security_settings: (a) => saveSecurity(a.input as SecuritySettings),
  };

  return { users, security, state, add, find, current, commands };
}

export type Accounts = ReturnType<typeof createAccounts>;

export function openSession(userId: string, security: SecuritySettings): FakeSession {
  const now = Date.now();
  return { userId, locked: false, lastActive: now, expiresAt: now + security.sessionHours * 3_600_000 };
}

/** What crosses IPC: never the password; a lockout only while it lasts. */
export function view({ password: _password, failed: _failed, ...user }: FakeUser): UserView {
  const locked = user.lockedUntil !== null && Date.parse(user.lockedUntil) > Date.now();
  return structuredClone({ ...user, lockedUntil: locked ? user.lockedUntil : null });
}
