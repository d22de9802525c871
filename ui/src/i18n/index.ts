//! i18next set-up and the one place that knows how a language maps to text direction.
//! The document's `lang`/`dir` are set before React renders so the first paint is already right.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import ar from "../locales/ar.json";
import en from "../locales/en.json";
import type { Language } from "../ipc/bindings";

export const LANGUAGES: readonly Language[] = ["ar", "en"];
export const DEFAULT_LANGUAGE: Language = "ar";
const STORAGE_KEY = "wasel.language";

export function isLanguage(value: unknown): value is Language {
  return value === "ar" || value === "en";
}

export function directionOf(language: Language): "rtl" | "ltr" {
  return language === "ar" ? "rtl" : "ltr";
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : DEFAULT_LANGUAGE;
}

/** The language cached from the last run; the backend's remembered choice may correct it later. */
export function cachedLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/** Switches text, `<html lang dir>` and the cached choice together. */
export async function applyLanguage(language: Language): Promise<void> {
  const root = document.documentElement;
  root.lang = language;
  root.dir = directionOf(language);
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Storage can be disabled; the backend still remembers the choice.
  }
  if (i18n.language !== language) await i18n.changeLanguage(language);
}

export function initI18n(language: Language = cachedLanguage()): typeof i18n {
  const root = document.documentElement;
  root.lang = language;
  root.dir = directionOf(language);
  if (!i18n.isInitialized) {
    void i18n.use(initReactI18next).init({
      resources: { ar: { translation: ar }, en: { translation: en } },
      lng: language,
      fallbackLng: DEFAULT_LANGUAGE,
      supportedLngs: LANGUAGES as Language[],
      interpolation: { escapeValue: false },
      returnNull: false,
      initAsync: false,
    });
  } else if (i18n.language !== language) {
    void i18n.changeLanguage(language);
  }
  return i18n;
}

export default i18n;
