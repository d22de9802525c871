// The fake backend's rules give what the core gives, input by input. The fixtures are written by
// the core itself (`crates/core/tests/ui_rules.rs`), so a rule changed on one side only fails here.
import { describe, expect, it } from "vitest";
import type { ErrorPayload, MessageStatus, OperatorAction, OutboxSettings } from "../bindings";
import fixtures from "./rules.fixtures.json";
import { actionEffect, checkOutbox, displayPhone, normaliseEmail, normalisePhone, previewOf } from "./rules";
import { ROLE_TABLE } from "./access";
import { checkPassword, checkSecurity, checkUsername } from "./policy";
import { fold, terms } from "./contacts";
import type { SecuritySettings } from "../bindings";

/** The error a rule threw (the fake throws payloads, as the IPC rejects them). */
function errorOf(run: () => unknown): ErrorPayload | null {
  try {
    run();
    return null;
  } catch (e) {
    return e as ErrorPayload;
  }
}

describe("the fake's rules are the core's", () => {
  it.each(fixtures.phones)("phone $input", (c) => {
    const got = normalisePhone(c.input);
    expect(got.ok ? got.e164 : null).toBe(c.e164);
    expect(got.ok ? null : got.error).toEqual(c.error);
    if (got.ok && c.display && got.e164.startsWith("+966")) expect(displayPhone(got.e164)).toBe(c.display);
  });

  it.each(fixtures.sms)("SMS segments of $body", (c) => {
    const got = previewOf({ to: "", body: c.body });
    expect({ encoding: got.encoding, units: got.units, segments: got.segments, remaining: got.remaining }).toEqual({
      encoding: c.encoding,
      units: c.units,
      segments: c.segments,
      remaining: c.remaining,
    });
  });

  it.each(fixtures.emails)("email $input", (c) => {
    const got = normaliseEmail(c.input);
    expect(got.ok ? got.e164 : null).toBe(c.normalized);
    expect(got.ok ? null : got.error).toEqual(c.error);
  });

  it.each(fixtures.actions)("$action on a $status message", (c) => {
    const run = () => actionEffect(c.action as OperatorAction, c.status as MessageStatus);
    expect(errorOf(run)).toEqual(c.error);
    if (!c.error) expect(run()).toEqual({ to: c.to, dueNow: c.dueNow });
  });

  it.each(fixtures.outbox)("outbox settings $input", (c) => {
    const run = () => checkOutbox(c.input as OutboxSettings);
    expect(errorOf(run)).toEqual(c.error);
    if (!c.error) expect(run().quietHours).toBe(c.quietHours);
  });

  it("who may do what", () => {
    expect(ROLE_TABLE).toEqual(fixtures.roles);
  });

  it.each(fixtures.passwords)("password $password for $username", (c) => {
    expect(errorOf(() => checkPassword(c.password, c.username))).toEqual(c.error);
  });

  it.each(fixtures.usernames)("username $input", (c) => {
    expect(errorOf(() => checkUsername(c.input))).toEqual(c.error);
    if (!c.error) expect(checkUsername(c.input)).toBe(c.name);
  });

  it.each(fixtures.security)("security settings $input", (c) => {
    expect(errorOf(() => checkSecurity(c.input as SecuritySettings))).toEqual(c.error);
  });

  it.each(fixtures.folds)("search folding of $input", (c) => {
    expect(fold(c.input)).toBe(c.fold);
    expect(terms(c.input)).toEqual(c.terms);
  });
});
