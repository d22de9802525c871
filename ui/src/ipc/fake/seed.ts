// Invented messages in every interesting state, for tests and screenshots.
import type {
  MessageEventView,
  MessageStatus,
  MessageView,
} from "../bindings";
import { FAKE_VOICES, type AddAttempt, type Create, type SetStatus, type ToInbox } from "./store";

/** A morning at the reception desk: a few messages in every interesting state. */
export function seed(create: Create, setStatus: SetStatus, addAttempt: AddAttempt) {
  const now = Date.now();
  const ago = (minutes: number, plusSeconds = 0) => new Date(now - minutes * 60_000 + plusSeconds * 1000);
  const walk = (m: MessageView, minutes: number, path: [MessageStatus, MessageEventView["source"]][]) =>
    path.forEach(([s, source], i) => setStatus(m, s, source, ago(minutes, (i + 1) * 4)));

  const a = create(
    { to: "0551234567", body: "تذكير: موعد جلسة العلاج الطبيعي لريم غدًا الساعة 9:30 صباحًا. نرجو الحضور قبل الموعد بعشر دقائق.", guardianId: "g1" },
    ago(185),
  );
  walk(a, 185, [["sending", "dispatch"], ["sent", "dispatch"], ["delivered", "webhook"], ["read", "poll"]]);
  const b = create(
    { to: "0502345678", body: "نتيجة تحليل فيصل جاهزة، ويمكنكم استلامها من الاستقبال.", guardianId: "g2" },
    ago(120),
  );
  walk(b, 120, [["sending", "dispatch"], ["sent", "dispatch"], ["delivered", "webhook"]]);
  const c = create(
    { to: "+966561112233", body: "Reminder: Adam's speech therapy session is tomorrow at 10:00.", guardianId: "g3" },
    ago(64),
  );
  walk(c, 64, [["sending", "dispatch"], ["sent", "dispatch"]]);
  const d = create({ to: "0533334444", body: "الوصفة الطبية للمى جاهزة في الصيدلية.", guardianId: "g4" }, ago(30));
  walk(d, 30, [["sending", "dispatch"]]);
  addAttempt(d, { startedAt: ago(30, 5), latencyMs: 4870, httpStatus: 503, errorClass: "retryable" });
  addAttempt(d, { startedAt: ago(30, 8), latencyMs: 610, httpStatus: 400, providerErrorCode: "21610", errorClass: "permanent" });
  setStatus(d, "failed", "dispatch", ago(30, 12), "21610");
  d.error = { code: "provider.opted_out", params: {} };
  create({ to: "0598765432", body: "نرحب بكم في مركز الرعاية النهارية. أوقات الاستقبال من 7 صباحًا حتى 3 عصرًا.", guardianId: "g5" }, ago(2));
}

/** Sends that stopped half-way (the program closed mid-send), and one message waiting for its time. */
export function seedAttention(create: Create, setStatus: SetStatus, addAttempt: AddAttempt) {
  const now = Date.now();
  const ago = (minutes: number, plusSeconds = 0) => new Date(now - minutes * 60_000 + plusSeconds * 1000);
  const e = create({ to: "0502345678", body: "تذكير: اجتماع أولياء الأمور يوم الخميس الساعة 4 عصرًا في قاعة المركز.", guardianId: "g2" }, ago(95));
  setStatus(e, "sending", "dispatch", ago(95, 3));
  addAttempt(e, { startedAt: ago(95, 3), errorClass: "retryable" });
  setStatus(e, "unknown", "dispatch", ago(90), "lease expired while sending");
  const f = create({ to: "0533334444", body: "نرجو إحضار بطاقة التطعيم الخاصة بلمى غدًا.", guardianId: "g4" }, ago(48));
  setStatus(f, "sending", "dispatch", ago(48, 2));
  addAttempt(f, { startedAt: ago(48, 2), errorClass: "retryable" });
  setStatus(f, "unknown", "dispatch", ago(43), "lease expired while sending");
  create(
    { to: "0551234567", body: "تذكير: موعد التقييم السنوي لريم بعد غد الساعة 10 صباحًا.", guardianId: "g1", scheduled: true },
    ago(10),
  );
}

/** One message on every other channel, delivered to the simulators, and a guardian who replied on WhatsApp. */
export function seedChannels({
  create,
  setStatus,
  toInbox,
  windows,
}: {
  create: Create;
  setStatus: SetStatus;
  toInbox: ToInbox;
  windows: Map<string, string>;
}) {
  const now = Date.now();
  const ago = (minutes: number, plusSeconds = 0) => new Date(now - minutes * 60_000 + plusSeconds * 1000);
  const walk = (m: MessageView, minutes: number, path: MessageStatus[]) =>
    path.forEach((s, i) => setStatus(m, s, i < 2 ? "dispatch" : "webhook", ago(minutes, (i + 1) * 3)));

  const sms = create({ to: "0551234567", body: "تذكير: موعد جلسة العلاج الطبيعي لريم غدًا الساعة 9:30 صباحًا.", guardianId: "g1" }, ago(240));
  walk(sms, 240, ["sending", "sent", "delivered"]);
  toInbox(sms);

  const wa = create(
    {
      channel: "whatsapp",
      to: "0502345678",
      body: "مرحبًا عبدالله، نذكّركم بموعد جلسة النطق لفيصل غدًا الساعة 10:00. مركز واصل للرعاية النهارية.",
      title: "appointment_reminder (ar)",
      guardianId: "g2",
    },
    ago(150),
  );
  walk(wa, 150, ["sending", "sent", "delivered", "read"]);
  toInbox(wa, { title: "appointment_reminder", language: "ar" });
  // Sarah wrote back an hour ago: free text is allowed to her until tomorrow.
  windows.set("+966561112233", ago(60).toISOString());

  const email = create(
    {
      channel: "email",
      to: "sarah.williams@example.com",
      body: "Dear Sarah,\n\nAdam's monthly progress report is attached.\n\nWasel Day Care",
      title: "Adam's progress report — November",
      guardianId: "g3",
    },
    ago(90),
  );
  walk(email, 90, ["sending", "sent"]);
  toInbox(email, {
    status: "received",
    html: "<p>Dear Sarah,</p><p>Adam's monthly <strong>progress report</strong> is attached.</p><p>Wasel Day Care</p>",
    attachments: [{ filename: "progress-report-november.pdf", contentType: "application/pdf", size: 184_320 }],
  });

  for (const [token, service, language] of [
    ["fcm-token-7c41a9", "fcm", "ar"],
    ["os-sub-0b52e3", "onesignal", "en"],
  ] as const) {
    const push = create(
      { channel: "push", to: token, body: "وصلت نتيجة تقييم ريم السنوي. افتح التطبيق للاطلاع عليها.", title: "نتيجة التقييم", guardianId: "g1" },
      ago(45),
    );
    push.provider = service;
    walk(push, 45, ["sending", "sent", "delivered"]);
    toInbox(push, { language, provider: service, status: "delivered" });
  }

  const call = create(
    { channel: "voice", to: "0533334444", body: "مرحبًا، هذا مركز واصل. نذكّركم بموعد لمى غدًا الساعة التاسعة صباحًا.", guardianId: "g4" },
    ago(20),
  );
  walk(call, 20, ["sending", "sent", "delivered"]);
  toInbox(call, { language: "arb", voice: FAKE_VOICES.ar, status: "completed" });

  const missed = create(
    { channel: "voice", to: "0555000002", body: "مرحبًا، هذا مركز واصل. نرجو الاتصال بنا بخصوص موعد الغد.", guardianId: null },
    ago(12),
  );
  walk(missed, 12, ["sending", "sent"]);
  setStatus(missed, "failed", "webhook", ago(11), "no-answer");
  missed.error = { code: "provider.undelivered", params: { code: "no-answer" } };
  toInbox(missed, { language: "arb", voice: FAKE_VOICES.ar, status: "no-answer", errorCode: "no-answer" });
}

