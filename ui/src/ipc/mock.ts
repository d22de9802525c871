//! Screenshot builds only (`VITE_IPC_MOCK=1`): installs the fake backend behind Tauri's own IPC
//! mock, so `bindings.ts`, the wrapper and the `messages-changed` listener run unchanged.
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { createFakeBackend } from "./fake";

export function installMockBackend(): void {
  // `?lang=en` and `?empty` let a screenshot pick the remembered language and an empty history.
  const query = new URLSearchParams(window.location.search);
  const remembered = query.get("lang") ?? window.localStorage.getItem("wasel.language");
  const backend = createFakeBackend({
    language: remembered === "en" ? "en" : "ar",
    seedMessages: !query.has("empty"),
    seedAttention: !query.has("empty"),
    seedChannels: !query.has("empty"),
    deliveryStepMs: 800,
    onMessagesChanged: () => void emit("messages-changed"),
  });
  mockIPC((cmd, args) => backend.handle(cmd, args as Record<string, unknown>), { shouldMockEvents: true });
}
