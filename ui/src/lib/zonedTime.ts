//! Wall-clock times typed at the desk are Riyadh times whatever the computer's own zone is; the
//! backend wants UTC (RFC 3339). `datetime-local` and `time` inputs give `YYYY-MM-DDTHH:mm` / `HH:mm`.
import { TIME_ZONE } from "./format";

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormats.set(timeZone, format);
  }
  return format;
}

type Wall = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function wallClock(utcMs: number, timeZone: string): Wall {
  const parts = partsFormat(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour") % 24,
    minute: get("minute"),
    second: get("second"),
  };
}

/** How far `timeZone` is ahead of UTC at that instant, in milliseconds. */
function offsetMs(utcMs: number, timeZone: string): number {
  const w = wallClock(utcMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

// A browser without a date/time picker shows a plain text box: accept a space for the `T` too.
const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/**
 * `2026-11-25T10:30` typed as Riyadh time → `2026-11-25T07:30:00Z`.
 * Empty or malformed input gives `null` (the field is simply not set).
 */
export function zonedInputToUtc(value: string, timeZone: string = TIME_ZONE): string | null {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const guess = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = offsetMs(guess, timeZone);
  let utc = guess - first;
  // Zones with daylight saving can change offset between the guess and the answer.
  const corrected = offsetMs(utc, timeZone);
  if (corrected !== first) utc = guess - corrected;
  if (Number.isNaN(utc)) return null;
  return new Date(utc).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The value a `datetime-local` input shows for an instant, in Riyadh time (`2026-11-25T10:30`). */
export function utcToZonedInput(instant: string | Date | number, timeZone: string = TIME_ZONE): string {
  const ms = instant instanceof Date ? instant.getTime() : typeof instant === "number" ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) return "";
  const w = wallClock(ms, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `22:00` / `07:00` → `22:00-07:00`; both empty → `null` (no quiet hours). Anything else is sent as typed. */
export function quietHoursOf(from: string, to: string): string | null {
  const a = from.trim();
  const b = to.trim();
  if (a === "" && b === "") return null;
  return `${a}-${b}`;
}

/** `22:00-07:00` → `["22:00", "07:00"]`; `null`, empty or malformed → empty fields. */
export function splitQuietHours(value: string | null): [string, string] {
  const [a = "", b = ""] = (value ?? "").split("-").map((part) => part.trim());
  return TIME_OF_DAY.test(a) && TIME_OF_DAY.test(b) ? [a, b] : ["", ""];
}
