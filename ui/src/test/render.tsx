import { QueryClient } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render } from "@testing-library/react";
import { App } from "../App";
import { initI18n } from "../i18n";
import { createFakeBackend, type FakeBackend, type FakeBackendOptions } from "../ipc/fake";
import type { Page } from "../lib/route";

type Options = FakeBackendOptions & {
  page?: Page;
  /** Replace single commands; return `undefined` to fall through to the fake backend. */
  override?: (cmd: string, args: Record<string, unknown>) => unknown;
};

/** Renders the whole app against the in-memory backend behind Tauri's IPC mock. */
export function renderApp({ page = "compose", override, ...options }: Options = {}) {
  const backend: FakeBackend = createFakeBackend(options);
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(
    (cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const answer = override?.(cmd, args);
      return answer === undefined ? backend.handle(cmd, args) : answer;
    },
    { shouldMockEvents: true },
  );
  window.location.hash = `#/${page}`;
  initI18n();
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false }, mutations: { retry: false } },
  });
  const view = render(<App client={client} />);
  return { ...view, backend, calls, client };
}
