// Every screen of the console, declared once: its navigation group, label, icon, component and
// the roles that may open it. The navigation, the router and the keyboard shortcuts read this
// list; adding a screen is one entry here (and its translation keys).
import type { ComponentType, ReactNode } from "react";
import { AttentionPage } from "../attention/AttentionPage";
import { ComposePage } from "../compose/ComposePage";
import { InboxPage } from "../inbox/InboxPage";
import { MessagesPage } from "../messages/MessagesPage";
import { SettingsPage } from "../settings/SettingsPage";
import { AttentionIcon, ComposeIcon, InboxIcon, MessagesIcon, SettingsIcon } from "./NavIcons";

/** Who uses the console (DESIGN §2); a screen lists the roles that may open it. */
export type Role = "reception" | "clinician" | "admin" | "auditor";

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
  /** Who may open it; absent means everyone. */
  roles?: readonly Role[];
};

export const SCREENS = [
  { id: "compose", group: "reception", label: "nav.compose", icon: <ComposeIcon />, component: ComposePage, roles: ["reception", "clinician", "admin"] },
  { id: "messages", group: "reception", label: "nav.messages", icon: <MessagesIcon />, component: MessagesPage },
  { id: "attention", group: "reception", label: "nav.attention", icon: <AttentionIcon />, component: AttentionPage, roles: ["reception", "admin"] },
  { id: "inbox", group: "reception", label: "nav.inbox", icon: <InboxIcon />, component: InboxPage },
  { id: "settings", group: "administration", label: "nav.settings", icon: <SettingsIcon />, component: SettingsPage, roles: ["admin"] },
] as const satisfies readonly Screen[];

export type ScreenId = (typeof SCREENS)[number]["id"];

export const SCREEN_IDS: readonly ScreenId[] = SCREENS.map((s) => s.id);
export const DEFAULT_SCREEN: ScreenId = "compose";

/**
 * The screens a role may open. `null` means no one is signed in because the installation has no
 * users yet: everything is open, as it was before roles existed.
 */
export function visibleScreens<S extends Screen>(screens: readonly S[], role: Role | null): S[] {
  return screens.filter((s) => role === null || !s.roles || s.roles.includes(role));
}

/** The visible screens of each group, groups without any left out. */
export function groupScreens<S extends Screen>(screens: readonly S[]): { group: NavGroup; screens: S[] }[] {
  return NAV_GROUPS.map((group) => ({ group, screens: screens.filter((s) => s.group === group) })).filter(
    (g) => g.screens.length > 0,
  );
}
