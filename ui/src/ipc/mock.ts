//! Screenshot builds only (`VITE_IPC_MOCK=1`): installs the fake backend behind Tauri's own IPC
//! mock, so `bindings.ts`, the wrapper and the `messages-changed` listener run unchanged.
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { createFakeBackend, type FakeAuth } from "./fake";

const AUTH: readonly FakeAuth[] = ["admin", "reception", "clinician", "auditor", "signed-out", "first-run"];

export function installMockBackend(): void {
  // `?lang=en` and `?empty` let a screenshot pick the remembered language and an empty history;
  // `?auth=` who is there: a role (`reception`, …; an admin by default), `signed-out` or `first-run`.
  const query = new URLSearchParams(window.location.search);
  const auth = AUTH.find((a) => a === query.get("auth")) ?? "admin";
  const remembered = query.get("lang") ?? window.localStorage.getItem("wasel.language");
  const backend = createFakeBackend({
    auth,
    language: remembered === "en" ? "en" : "ar",
    seedMessages: !query.has("empty"),
    seedAttention: !query.has("empty"),
    seedChannels: !query.has("empty"),
    deliveryStepMs: 800,
    onMessagesChanged: () => void emit("messages-changed"),
  });
  mockIPC((cmd, args) => backend.handle(cmd, args as Record<string, unknown>), { shouldMockEvents: true });
}
