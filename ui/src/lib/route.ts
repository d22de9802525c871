// The current screen lives in `location.hash` (`#/messages`), so a reload or a screenshot URL
// opens the same screen; no router library is needed. Which screens exist is the screen
// registry's business (`features/shell/screens.tsx`): this file only reads and writes the hash.
import { useSyncExternalStore } from "react";
import type { ScreenId } from "../features/shell/screens";

export type Page = ScreenId;

function nameFromHash(hash: string): string {
  return hash.replace(/^#\/?/, "");
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

/** The screen named in the address when it is one of `known`, else `fallback`. */
export function usePage<T extends string>(known: readonly T[], fallback: T): T {
  const pick = (hash: string) => {
    const name = nameFromHash(hash);
    return (known as readonly string[]).includes(name) ? (name as T) : fallback;
  };
  return useSyncExternalStore(subscribe, () => pick(window.location.hash), () => fallback);
}

export function navigate(page: Page): void {
  const hash = `#/${page}`;
  if (window.location.hash === hash) return;
  window.location.hash = hash;
  // A new screen starts at its top, not where the previous (longer) one was scrolled to.
  window.scrollTo({ top: 0 });
}
