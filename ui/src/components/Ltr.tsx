import type { ReactNode } from "react";

/** Phone numbers, ids and URLs stay left-to-right with Latin digits inside Arabic text. */
export function Ltr({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <bdi dir="ltr" data-testid={testId}>
      {children}
    </bdi>
  );
}
