//! Turns a backend `ErrorPayload` into a sentence in the current language; never shows raw codes
//! except inside the generic "something went wrong (code)" message for codes we do not know.
import type { i18n as I18n, TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { useCallback, useState } from "react";
import { toErrorPayload } from "../ipc";
import type { ErrorPayload } from "../ipc";

export function translateError(t: TFunction, i18n: I18n, error: ErrorPayload | unknown): string {
  const payload = toErrorPayload(error);
  const key = `errors.${payload.code}`;
  // `errors.phone` exists too (it is a group): only a string is a message.
  const known = [i18n.language, ...fallbacks(i18n)].some(
    (lng) => typeof i18n.getResource(lng, "translation", key) === "string",
  );
  if (!known) return t("errors.unknown", { code: payload.code });
  return t(key, translatedParams(t, i18n, payload.code, payload.params));
}

/** Parameters that name a message status (`sent`, `unknown`) are shown as the status's own word. */
const STATUS_PARAMS = new Set(["status", "from", "to"]);

/**
 * Parameter values that are words of ours get translated: a message status, a WhatsApp template's
 * approval status (`pending`), a form's field (`errorFields.audit.from` → "From date") or a
 * provider's field key (`auth_token` → "Auth token").
 */
function translatedParams(t: TFunction, i18n: I18n, code: string, params: ErrorPayload["params"]): Record<string, string> {
  const out: Record<string, string> = {};
  const group = code.split(".")[0];
  for (const [name, value] of Object.entries(params ?? {})) {
    if (name === "field" && i18n.exists(`errorFields.${group}.${value}`)) out[name] = t(`errorFields.${group}.${value}`);
    else if (STATUS_PARAMS.has(name) && i18n.exists(`status.${value}`)) out[name] = t(`status.${value}`);
    else if (name === "status" && i18n.exists(`templateStatus.${value}`)) out[name] = t(`templateStatus.${value}`);
    else if (name === "field" && i18n.exists(`providerFields.${value}.label`)) out[name] = t(`providerFields.${value}.label`);
    else out[name] = value;
  }
  return out;
}

function fallbacks(i18n: I18n): string[] {
  const fallback = i18n.options.fallbackLng;
  if (typeof fallback === "string") return [fallback];
  if (Array.isArray(fallback)) return fallback;
  return [];
}

/** `const errorText = useErrorText(); errorText(payload)` */
export function useErrorText(): (error: ErrorPayload | unknown) => string {
  const { t, i18n } = useTranslation();
  return useCallback((error: ErrorPayload | unknown) => translateError(t, i18n, error), [t, i18n]);
}

/** Which form field an error belongs to, from its code's first segment (`phone.invalid` → `phone`). */
export function errorField(error: ErrorPayload | null | undefined): string | null {
  if (!error) return null;
  const dot = error.code.indexOf(".");
  return dot > 0 ? error.code.slice(0, dot) : null;
}

/** The form field an error names in its `field` parameter (`password`, `idle_lock_minutes`, …). */
export function paramField(error: ErrorPayload | null | undefined): string | null {
  return error?.params?.field ?? null;
}

/**
 * The error of a form: at its field when the backend names one (or `fieldOf` places it), else
 * above the buttons. `clear(name)` drops it once that field is edited.
 */
export function useFormError(fieldOf: (error: ErrorPayload | null) => string | null = paramField) {
  const errorText = useErrorText();
  const [error, setError] = useState<ErrorPayload | null>(null);
  const field = fieldOf(error);
  return {
    error,
    set: (e: unknown) => setError(e === null ? null : toErrorPayload(e)),
    at: (name: string) => (error && field === name ? errorText(error) : undefined),
    clear: (name: string) => {
      if (field === name) setError(null);
    },
    general: error && !field ? errorText(error) : null,
  };
}
