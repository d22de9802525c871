import "./fonts.css";
import "@mantine/core/styles.css";
import "./global.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { initI18n } from "./i18n";

async function start() {
  // Screenshot builds only (VITE_IPC_MOCK=1 at build time, never the shipped app): a plain browser
  // has no Tauri bridge, so an in-memory backend stands in. The branch is dropped from real builds.
  if (import.meta.env.VITE_IPC_MOCK === "1" && !("__TAURI_INTERNALS__" in window)) {
    const { installMockBackend } = await import("./ipc/mock");
    installMockBackend();
  }
  initI18n();
  const root = document.getElementById("root");
  if (!root) throw new Error("#root is missing from index.html");
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void start();
