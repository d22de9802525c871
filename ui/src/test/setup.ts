import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, vi } from "vitest";
import i18n from "../i18n";

// `findBy…` and `waitFor` give up after 1 s by default, which a loaded CI machine can miss.
configure({ asyncUtilTimeout: 5_000 });

// jsdom lacks the layout APIs Mantine touches.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: vi.fn().mockImplementation((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: vi.fn(),
    removeListener: vi.fn(),
    addEventListener: vi.fn(),
    removeEventListener: vi.fn(),
    dispatchEvent: vi.fn(),
  })),
});

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver = ResizeObserverStub as unknown as typeof ResizeObserver;
window.HTMLElement.prototype.scrollIntoView = function scrollIntoView() {};
window.scrollTo = vi.fn() as unknown as typeof window.scrollTo;
// Textarea autosize re-measures when web fonts finish loading.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: vi.fn(), removeEventListener: vi.fn(), ready: Promise.resolve() },
  });
}
beforeEach(async () => {
  window.localStorage.clear();
  window.location.hash = "";
  document.documentElement.lang = "ar";
  document.documentElement.dir = "rtl";
  if (i18n.isInitialized && i18n.language !== "ar") await i18n.changeLanguage("ar");
});

afterEach(() => {
  cleanup();
  clearMocks();
});
