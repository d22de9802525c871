// Signing in and the session that follows, as `users/sessions.rs` has them: the first admin, a
// lockout after repeated wrong passwords, the idle lock (`lock()` stands in for the clock), and
// `guard`, which every command passes first (signed in, not locked, allowed by the role table).
import type { AuthState, LoginInput, NewUserInput, SessionView } from "../bindings";
import { COMMAND_NEEDS, operationsOf, ROLE_TABLE } from "./access";
import type { AuditTrail } from "./audit";
import { fail } from "./rules";
import { openSession, view, type Accounts, type FakeUser } from "./users";

export function sessionsFeature(accounts: Accounts, audit: AuditTrail) {
  const { users, security, state } = accounts;

  const sessionView = (): SessionView | null => {
    const session = state.session;
    const user = accounts.current();
    if (!session || !user) return null;
    return {
      user: view(user),
      operations: operationsOf(user.roles),
      idleLockMinutes: security.idleLockMinutes,
      expiresAt: new Date(session.expiresAt).toISOString(),
      locked: session.locked || idle(),
    };
  };

  const idle = () => state.session !== null && Date.now() - state.session.lastActive > security.idleLockMinutes * 60_000;
  const minutesLocked = (u: FakeUser) => {
    const left = u.lockedUntil ? Date.parse(u.lockedUntil) - Date.now() : 0;
    return left > 0 ? Math.ceil(left / 60_000) : null;
  };
  const record = (actor: string, action: string, id: string | null, reason?: string) =>
    audit.append({ actor, origin: "console", action, entity: "user", entityId: id, before: null, after: reason ? JSON.stringify({ reason }) : null });

  /** Counts a wrong password toward the lockout and says what the person sees. */
  const wrongPassword = (typed: string, user: FakeUser | undefined, action: string): never => {
    if (!user) {
      record(typed, action, null, "unknown_user");
      fail("auth.invalid_credentials");
    }
    user.failed += 1;
    record(typed, action, user.id, `attempt ${user.failed}`);
    if (user.failed >= security.maxFailedLogins) {
      user.lockedUntil = new Date(Date.now() + security.lockoutMinutes * 60_000).toISOString();
      record(typed, "auth.account_locked", user.id, `after ${user.failed} attempts`);
      fail("auth.account_locked", { minutes: String(security.lockoutMinutes) });
    }
    fail("auth.invalid_credentials");
  };

  const signIn = (user: FakeUser): SessionView => {
    user.failed = 0;
    user.lockedUntil = null;
    user.lastLoginAt = new Date().toISOString();
    state.session = openSession(user.id, security);
    record(user.username, "auth.login", user.id);
    return sessionView() ?? fail("auth.required");
  };

  const login = ({ username, password }: LoginInput): SessionView => {
    const typed = username.trim();
    const user = users.find((u) => u.username.toLowerCase() === typed.toLowerCase());
    const minutes = user ? minutesLocked(user) : null;
    if (user && minutes !== null) {
      record(typed, "auth.login_refused", user.id, "locked");
      fail("auth.account_locked", { minutes: String(minutes) });
    }
    if (!user || user.password !== password) return wrongPassword(typed, user, "auth.login_failed");
    if (user.disabled) {
      record(typed, "auth.login_refused", user.id, "disabled");
      fail("auth.account_disabled");
    }
    return signIn(user);
  };

  const createFirstAdmin = (input: NewUserInput): SessionView => {
    if (users.length > 0) fail("auth.first_admin_exists");
    const user = accounts.add({ ...input, roles: ["admin"] });
    record(user.username, "user.first_admin", user.id);
    return signIn(user);
  };

  const unlock = (password: string): SessionView => {
    const user = accounts.current() ?? fail("auth.required");
    const minutes = minutesLocked(user);
    if (minutes !== null) fail("auth.account_locked", { minutes: String(minutes) });
    if (password !== user.password) return wrongPassword(user.username, user, "auth.unlock_failed");
    if (state.session) Object.assign(state.session, { locked: false, lastActive: Date.now() });
    user.failed = 0;
    record(user.username, "auth.unlock", user.id);
    return sessionView() ?? fail("auth.required");
  };

  const logout = (): null => {
    const user = accounts.current();
    if (user) record(user.username, "auth.logout", user.id);
    state.session = null;
    return null;
  };

  /** Refuses a command as the core would: nobody signed in, the session over or locked, the role. */
  const guard = (cmd: string) => {
    const need = COMMAND_NEEDS[cmd];
    if (need === undefined || need === null) return;
    const session = state.session;
    if (!session) fail("auth.required");
    if (Date.now() >= session.expiresAt) {
      state.session = null;
      fail("auth.session_expired");
    }
    const user = accounts.current();
    if (!user || user.disabled) {
      state.session = null;
      fail(user ? "auth.account_disabled" : "auth.required");
    }
    // Locking and unlocking only need the session to stand.
    if (cmd === "lock_console" || cmd === "unlock_console") return;
    if (session.locked || idle()) {
      session.locked = true;
      fail("auth.idle_locked");
    }
    if (need === "session") return;
    const ops = typeof need === "string" ? [need] : need;
    if (!ops.some((op) => ROLE_TABLE[op].some((r) => user.roles.includes(r)))) fail("auth.forbidden", { operation: ops[ops.length - 1] });
  };

  /** The console locked (the UI's idle timer, or a test standing in for the clock). */
  const lock = () => {
    if (state.session) state.session.locked = true;
  };

  const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
    auth_state: (): AuthState => ({ needsFirstAdmin: users.length === 0, session: sessionView() }),
    create_first_admin: (a) => createFirstAdmin(a.input as NewUserInput),
    login: (a) => login(a.input as LoginInput),
    logout,
    console_activity: () => {
      if (state.session) state.session.lastActive = Date.now();
      return null;
    },
    lock_console: () => {
      lock();
      return null;
    },
    unlock_console: (a) => unlock(a.password as string),
  };

  return { guard, lock, commands };
}
