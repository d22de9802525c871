import { describe, expect, it } from "vitest";
import i18n, { initI18n } from "../../i18n";
import { describeEventDetail } from "./eventDetail";

describe("timeline notes", () => {
  it("read the backend's ASCII notes in the desk's language and leave others alone", () => {
    initI18n("ar");
    const t = i18n.t.bind(i18n);
    const say = (detail: string) => describeEventDetail(t, i18n, detail, "ar");
    expect(say("message.cancel by console")).toBe("ألغاها موظف الاستقبال.");
    expect(say("message.resend by console")).toContain("أعاد موظف الاستقبال إرسالها");
    expect(say("message.dismiss by cli")).toContain("cli");
    expect(say("lease expired while sending")).toContain("توقّف البرنامج أثناء الإرسال");
    expect(say("not before 2026-11-25T07:30:00+00:00")).toContain("10:30");
    expect(say("provider.timeout (retryable)")).toBe("انتهت مهلة الاتصال بمزوّد الخدمة. (خطأ مؤقت)");
    // `provider.rejected` needs its {{code}}, which the note does not carry.
    expect(say("provider.rejected (permanent)")).toBe("provider.rejected (permanent)");
    expect(say("HTTP 201")).toBe("HTTP 201");
    expect(say("no-answer")).toBe("لم يرد");
    expect(say("busy (486)")).toBe("الخط مشغول (486)");
    expect(say("failed (21610)")).toBe("failed (21610)");
  });
});
