//! Dates and numbers through `Intl`: Riyadh time, Gregorian with the Umm al-Qura Hijri date beside
//! it. Digits are Latin in both languages so they match the phone numbers operators type.
import type { Language } from "../ipc";

export const TIME_ZONE = "Asia/Riyadh";

type Calendar = "gregory" | "islamic-umalqura";

function localeFor(language: Language, calendar: Calendar): string {
  return language === "ar" ? `ar-SA-u-ca-${calendar}-nu-latn` : `en-GB-u-ca-${calendar}`;
}

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(language: Language, calendar: Calendar, options: Intl.DateTimeFormatOptions) {
  const key = `d|${language}|${calendar}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) {
    format = new Intl.DateTimeFormat(localeFor(language, calendar), { timeZone: TIME_ZONE, ...options });
    cache.set(key, format);
  }
  return format;
}

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "25 نوفمبر 2026 في 10:30 ص" / "25 Nov 2026, 10:30" in Riyadh time. */
export function formatDateTime(
  iso: string | null | undefined,
  language: Language,
  { seconds = false }: { seconds?: boolean } = {},
): string {
  const date = iso ? parse(iso) : null;
  if (!date) return "";
  return dateFormat(language, "gregory", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  }).format(date);
}

/** "15 جمادى الآخرة 1448 هـ" — the Umm al-Qura date of the same instant in Riyadh. */
export function formatHijri(iso: string | null | undefined, language: Language): string {
  const date = iso ? parse(iso) : null;
  if (!date) return "";
  return dateFormat(language, "islamic-umalqura", { day: "numeric", month: "long", year: "numeric" }).format(date);
}

export function formatNumber(value: number, language: Language): string {
  const key = `n|${language}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(language === "ar" ? "ar-SA-u-nu-latn" : "en-GB");
    cache.set(key, format);
  }
  return format.format(value);
}

/** Halalas as riyals with two decimals: "0.14 ر.س" / "SAR 0.14" (estimates before sending). */
export function formatRiyals(halalas: number, language: Language): string {
  const key = `r|${language}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(language === "ar" ? "ar-SA-u-nu-latn" : "en-GB", {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    cache.set(key, format);
  }
  const amount = format.format(halalas / 100);
  return language === "ar" ? `${amount} ر.س` : `SAR ${amount}`;
}

/** A file size in the units people read: "820 KB", "1.4 MB" ("ك.ب" / "م.ب" in Arabic). */
export function formatBytes(bytes: number, language: Language): string {
  const units = language === "ar" ? ["بايت", "ك.ب", "م.ب"] : ["B", "KB", "MB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = unit === 0 ? value : Math.round(value * 10) / 10;
  return `${formatNumber(rounded, language)} ${units[unit]}`;
}
