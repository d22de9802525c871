import { useCallback, useRef } from "react";

/**
 * One idempotency key per draft: the same key while the draft is unchanged, so a retry or a double
 * click can never create two messages; a changed draft or a successful send gets a new key.
 */
export function useDraftKey() {
  const current = useRef<{ key: string; draft: string } | null>(null);
  const keyFor = useCallback((draft: string) => {
    if (!current.current || current.current.draft !== draft) {
      current.current = { key: crypto.randomUUID(), draft };
    }
    return current.current.key;
  }, []);
  const reset = useCallback(() => {
    current.current = null;
  }, []);
  return { keyFor, reset };
}
