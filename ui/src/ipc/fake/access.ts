// Who may do what, as the core's one table has it (`crates/core/src/domain/access.rs`,
// rendered in `docs/roles.md`), and which operation each command asks for.
import type { Operation, Role } from "../bindings";

export const ROLES: readonly Role[] = ["reception", "clinician", "admin", "auditor"];

export const ROLE_TABLE: Record<Operation, readonly Role[]> = {
  "message.compose": ["reception", "admin"],
  "message.send": ["reception", "admin"],
  "message.view": ["reception", "clinician", "admin", "auditor"],
  "message.act": ["reception", "admin"],
  "guardian.view": ["reception", "clinician", "admin", "auditor"],
  "contact.edit": ["reception", "admin"],
  "provider.view": ["admin", "auditor"],
  "provider.manage": ["admin"],
  "provider.test": ["admin"],
  "settings.view": ["admin", "auditor"],
  "settings.manage": ["admin"],
  "sandbox.view": ["reception", "clinician", "admin"],
  "sandbox.use": ["reception", "admin"],
  "user.manage": ["admin"],
  "contact.identity_view": ["reception", "clinician", "admin"],
  "contact.identity_edit": ["reception", "admin"],
  "keys.rotate": ["admin"],
  "audit.view": ["admin", "auditor"],
  "audit.export": ["auditor"],
  "audit.verify": ["admin", "auditor"],
};

export function operationsOf(roles: readonly Role[]): Operation[] {
  return (Object.keys(ROLE_TABLE) as Operation[]).filter((op) => ROLE_TABLE[op].some((r) => roles.includes(r)));
}

/**
 * What a command needs: `null` nothing (signing in, the status, the language), `"session"` only
 * a signed-in user, else one operation, or a list of which any one will do.
 */
export type Need = null | "session" | Operation | readonly Operation[];

export const COMMAND_NEEDS: Record<string, Need> = {
  app_status: null,
  set_language: null,
  auth_state: null,
  create_first_admin: null,
  login: null,
  logout: null,
  console_activity: "session",
  lock_console: "session",
  unlock_console: "session",
  change_own_password: "session",
  preview_sms: "message.compose",
  preview_message: "message.compose",
  send_sms: "message.send",
  send_message: "message.send",
  // The desk reads templates to compose; an admin or auditor reads them in Settings.
  whatsapp_templates: ["provider.view", "message.compose"],
  refresh_whatsapp_templates: ["provider.view", "message.compose"],
  list_guardians: "guardian.view",
  guardian_devices: "guardian.view",
  search_contacts: "guardian.view",
  contact_family: "guardian.view",
  save_contact: "contact.edit",
  set_consent: "contact.edit",
  sandbox_inbox: "sandbox.view",
  clear_sandbox_inbox: "sandbox.use",
  simulate_reply: "sandbox.use",
  list_messages: "message.view",
  message_timeline: "message.view",
  message_attempts: "message.view",
  needs_attention: "message.view",
  act_on_message: "message.act",
  list_providers: "provider.view",
  save_provider: "provider.manage",
  clear_provider: "provider.manage",
  set_failover_order: "provider.manage",
  test_provider: "provider.test",
  send_provider_test: "provider.test",
  outbox_settings: "settings.view",
  save_outbox_settings: "settings.manage",
  security_settings: "settings.view",
  save_security_settings: "settings.manage",
  list_users: "user.manage",
  create_user: "user.manage",
  set_user_roles: "user.manage",
  set_user_disabled: "user.manage",
  reset_user_password: "user.manage",
  audit_entries: "audit.view",
  export_audit_csv: "audit.export",
  verify_audit: "audit.verify",
};
