// The account rules the fake repeats: usernames, the password policy and the security settings'
// bounds, as `domain/password.rs` and `domain/security.rs` decide them. `rules.test.ts` checks them
// against the core's answers in `rules.fixtures.json`.
import type { SecuritySettings } from "../bindings";
import { fail } from "./rules";

export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_CHARS = 128;

/** Passwords people pick first, refused whatever their length (compared lower-cased). */
const COMMON = new Set([
  "password123",
  "password1234",
  "1234567890",
  "12345678910",
  "qwertyuiop",
  "1q2w3e4r5t",
  "0123456789",
  "administrator",
  "wasel12345",
  "welcome123",
]);

const isLetter = (c: string) => /^\p{Alphabetic}$/u.test(c);
const isSpace = (c: string) => /^\s$/u.test(c);

/** `check_username`: 3 to 40 letters (any script), digits, `.`, `_` or `-`; trimmed. */
export function checkUsername(username: string): string {
  const name = username.trim();
  const chars = [...name];
  const ok = chars.length >= 3 && chars.length <= 40 && chars.every((c) => /^[\p{Alphabetic}\p{N}._-]$/u.test(c));
  if (!ok) fail("username.invalid", { field: "username" });
  return name;
}

/** `NewPassword::parse`: length, letters plus something else, not the username, not a common one. */
export function checkPassword(password: string, username: string): void {
  const chars = [...password];
  if (chars.length < MIN_PASSWORD_CHARS) fail("password.too_short", { min: String(MIN_PASSWORD_CHARS), field: "password" });
  if (chars.length > MAX_PASSWORD_CHARS) fail("password.too_long", { max: String(MAX_PASSWORD_CHARS), field: "password" });
  const letters = chars.some(isLetter);
  const others = chars.some((c) => !isLetter(c) && !isSpace(c));
  if (!letters || !others || new Set(chars).size < 5) fail("password.too_simple", { field: "password" });
  const folded = password.toLowerCase();
  const name = username.trim().toLowerCase();
  if ([...name].length >= 3 && folded.includes(name)) fail("password.contains_username", { field: "password" });
  if (COMMON.has(folded)) fail("password.too_simple", { field: "password" });
}

/** `SecuritySettings::check`. */
export function checkSecurity(s: SecuritySettings): void {
  const within = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  if (!within(s.idleLockMinutes, 1, 240) || !within(s.sessionHours, 1, 24)) {
    fail("security.idle_lock_invalid", { field: "idle_lock_minutes", min: "1", max: "240" });
  }
  if (!within(s.maxFailedLogins, 3, 20) || !within(s.lockoutMinutes, 1, 1440)) {
    fail("security.lockout_invalid", { field: "max_failed_logins", min: "3", max: "20" });
  }
}
