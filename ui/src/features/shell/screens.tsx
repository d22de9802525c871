// Every screen of the console, declared once: its navigation group, label, icon, component and
// the operation needed to open it (the roles behind it are the core's table, `docs/roles.md`).
// The navigation, the router and the keyboard shortcuts read this list; adding a screen is one
// entry here (and its translation keys).
import type { ComponentType, ReactNode } from "react";
import type { Operation } from "../../ipc";
import { AttentionPage } from "../attention/AttentionPage";
import { AuditPage } from "../audit/AuditPage";
import { ComposePage } from "../compose/ComposePage";
import { ContactsPage } from "../contacts/ContactsPage";
import { InboxPage } from "../inbox/InboxPage";
import { MessagesPage } from "../messages/MessagesPage";
import { SettingsPage } from "../settings/SettingsPage";
import { UsersPage } from "../users/UsersPage";
import { AttentionIcon, AuditIcon, ComposeIcon, ContactsIcon, InboxIcon, MessagesIcon, SettingsIcon, UsersIcon } from "./NavIcons";

/** The navigation's groups, by the people who use them, in this order. */
export const NAV_GROUPS = ["reception", "clinical", "integrations", "administration"] as const;
export type NavGroup = (typeof NAV_GROUPS)[number];

export type Screen = {
  id: string;
  group: NavGroup;
  /** Translation key of the label (`nav.<id>`). */
  label: string;
  icon: ReactNode;
  component: ComponentType;
  /** What the signed-in user must be allowed to open it. */
  operation: Operation;
};

export const SCREENS = [
  { id: "compose", group: "reception", label: "nav.compose", icon: <ComposeIcon />, component: ComposePage, operation: "message.compose" },
  { id: "messages", group: "reception", label: "nav.messages", icon: <MessagesIcon />, component: MessagesPage, operation: "message.view" },
  { id: "contacts", group: "reception", label: "nav.contacts", icon: <ContactsIcon />, component: ContactsPage, operation: "guardian.view" },
  { id: "attention", group: "reception", label: "nav.attention", icon: <AttentionIcon />, component: AttentionPage, operation: "message.act" },
  { id: "inbox", group: "reception", label: "nav.inbox", icon: <InboxIcon />, component: InboxPage, operation: "sandbox.view" },
  { id: "settings", group: "administration", label: "nav.settings", icon: <SettingsIcon />, component: SettingsPage, operation: "settings.view" },
  { id: "users", group: "administration", label: "nav.users", icon: <UsersIcon />, component: UsersPage, operation: "user.manage" },
  { id: "audit", group: "administration", label: "nav.audit", icon: <AuditIcon />, component: AuditPage, operation: "audit.view" },
] as const satisfies readonly Screen[];

export type ScreenId = (typeof SCREENS)[number]["id"];

export const SCREEN_IDS: readonly ScreenId[] = SCREENS.map((s) => s.id);
export const DEFAULT_SCREEN: ScreenId = "compose";

/** The screens the signed-in user's operations open (`SessionView.operations`). */
export function visibleScreens<S extends Screen>(screens: readonly S[], operations: readonly Operation[]): S[] {
  return screens.filter((s) => operations.includes(s.operation));
}

/** The visible screens of each group, groups without any left out. */
export function groupScreens<S extends Screen>(screens: readonly S[]): { group: NavGroup; screens: S[] }[] {
  return NAV_GROUPS.map((group) => ({ group, screens: screens.filter((s) => s.group === group) })).filter(
    (g) => g.screens.length > 0,
  );
}
