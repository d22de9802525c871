import { describe, expect, it } from "vitest";
import { quietHoursOf, splitQuietHours, utcToZonedInput, zonedInputToUtc } from "./zonedTime";

describe("Riyadh wall-clock times", () => {
  it("turn typed Riyadh times into UTC and back, across midnight", () => {
    expect(zonedInputToUtc("2026-11-25T10:30")).toBe("2026-11-25T07:30:00Z");
    expect(zonedInputToUtc("2026-11-25T01:15")).toBe("2026-11-24T22:15:00Z");
    expect(zonedInputToUtc("2026-11-25T10:30:45")).toBe("2026-11-25T07:30:45Z");
    expect(zonedInputToUtc("2026-11-25 10:30")).toBe("2026-11-25T07:30:00Z");
    expect(utcToZonedInput("2026-11-24T22:15:00Z")).toBe("2026-11-25T01:15");
    expect(utcToZonedInput(zonedInputToUtc("2027-03-01T23:59") ?? "")).toBe("2027-03-01T23:59");
  });

  it("leave empty or half-typed input unset", () => {
    expect(zonedInputToUtc("")).toBeNull();
    expect(zonedInputToUtc("2026-11-25")).toBeNull();
    expect(zonedInputToUtc("2026-13-01T10:00")).toBeNull();
    expect(zonedInputToUtc("tomorrow")).toBeNull();
  });

  it("handle zones with daylight saving too", () => {
    expect(zonedInputToUtc("2026-07-01T12:00", "Europe/London")).toBe("2026-07-01T11:00:00Z");
    expect(zonedInputToUtc("2026-01-01T12:00", "Europe/London")).toBe("2026-01-01T12:00:00Z");
  });
});

describe("quiet hours", () => {
  it("join two times, or none, and split what the backend keeps", () => {
    expect(quietHoursOf("22:00", "07:00")).toBe("22:00-07:00");
    expect(quietHoursOf(" ", "")).toBeNull();
    expect(quietHoursOf("22:00", "")).toBe("22:00-");
    expect(splitQuietHours("22:00-07:00")).toEqual(["22:00", "07:00"]);
    expect(splitQuietHours(null)).toEqual(["", ""]);
    expect(splitQuietHours("nonsense")).toEqual(["", ""]);
  });
});
