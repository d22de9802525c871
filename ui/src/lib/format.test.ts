import { describe, expect, it } from "vitest";
import { formatBytes, formatDateTime, formatHijri, formatRiyals } from "./format";
import { translateError } from "./errors";
import i18n, { initI18n } from "../i18n";

describe("dates", () => {
  it("show Riyadh time and the Umm al-Qura date", () => {
    const iso = "2026-11-25T07:30:00Z";
    expect(formatDateTime(iso, "ar")).toContain("10:30");
    expect(formatDateTime(iso, "ar")).toContain("نوفمبر");
    expect(formatHijri(iso, "ar")).toBe("15 جمادى الآخرة 1448 هـ");
    expect(formatHijri(iso, "en")).toContain("1448");
    expect(formatDateTime(null, "ar")).toBe("");
  });
});

describe("error messages", () => {
  it("interpolate parameters and fall back for unknown codes without showing Debug text", () => {
    initI18n("ar");
    const t = i18n.t.bind(i18n);
    expect(translateError(t, i18n, { code: "body.too_long", params: { max: "1600" } })).toContain("1600");
    expect(translateError(t, i18n, { code: "provider.rejected", params: { code: "30007" } })).toContain("30007");
    const unknown = translateError(t, i18n, { code: "sync.conflict", params: {} });
    expect(unknown).toContain("sync.conflict");
    expect(unknown).toContain("خطأ");
    expect(translateError(t, i18n, { code: "phone", params: {} })).toContain("خطأ غير متوقع");
    expect(translateError(t, i18n, new Error("boom"))).toBe(i18n.t("errors.internal"));
  });
});

describe("money and sizes", () => {
  it("show halalas as riyals and bytes as KB/MB in both languages", () => {
    expect(formatRiyals(14, "ar")).toBe("0.14 ر.س");
    expect(formatRiyals(1250, "en")).toBe("SAR 12.50");
    expect(formatBytes(512, "en")).toBe("512 B");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024, "ar")).toBe("10 م.ب");
  });
});
