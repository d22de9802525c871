//! The idle lock: only a person's keystrokes, clicks and scrolling count as activity (background
//! refreshes do not). The backend hears of it at most every 30 s; after the session's idle minutes
//! without any, the console locks.
import { useEffect } from "react";

export const ACTIVITY_EVERY_MS = 30_000;
const ACTIVITY_EVENTS = ["keydown", "pointerdown", "wheel"] as const;

type Options = {
  /** Off while locked (the lock's own password field is no activity to report). */
  active: boolean;
  idleLockMinutes: number;
  onActivity: () => void;
  onIdle: () => void;
};

export function useIdleLock({ active, idleLockMinutes, onActivity, onIdle }: Options): void {
  useEffect(() => {
    if (!active) return;
    const limit = Math.max(1, idleLockMinutes) * 60_000;
    let last = Date.now();
    // The first activity after signing in (or a reload) is reported at once, then every 30 s.
    let reported = Number.NEGATIVE_INFINITY;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const check = () => {
      const idle = Date.now() - last;
      if (idle >= limit) onIdle();
      else timer = setTimeout(check, limit - idle);
    };
    const seen = () => {
      last = Date.now();
      if (last - reported >= ACTIVITY_EVERY_MS) {
        reported = last;
        onActivity();
      }
    };

    timer = setTimeout(check, limit);
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, seen, { capture: true, passive: true });
    return () => {
      clearTimeout(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, seen, { capture: true });
    };
  }, [active, idleLockMinutes, onActivity, onIdle]);
}
