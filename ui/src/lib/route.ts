//! The current screen lives in `location.hash` (`#/messages`), so a reload or a screenshot URL
//! opens the same screen; no router library is needed for a handful of screens.
import { useSyncExternalStore } from "react";

export const PAGES = ["compose", "messages", "attention", "inbox", "settings"] as const;
export type Page = (typeof PAGES)[number];
const DEFAULT_PAGE: Page = "compose";

function pageFromHash(hash: string): Page {
  const name = hash.replace(/^#\/?/, "");
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : DEFAULT_PAGE;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

export function usePage(): Page {
  return useSyncExternalStore(
    subscribe,
    () => pageFromHash(window.location.hash),
    () => DEFAULT_PAGE,
  );
}

export function navigate(page: Page): void {
  const hash = `#/${page}`;
  if (window.location.hash === hash) return;
  window.location.hash = hash;
  // A new screen starts at its top, not where the previous (longer) one was scrolled to.
  window.scrollTo({ top: 0 });
}
