// @ts-check
// Drives the real desktop window through tauri-driver (WebDriver): signing in (the first
// administrator on a new installation), Arabic first, a send that fails
// and keeps the draft, a send that is delivered by the simulator, a message scheduled an hour ahead
// and cancelled from its details, one message on every channel (SMS, a WhatsApp template, an email
// with a PDF, a push to a seeded guardian, a voice call) seen arriving in the sandbox inbox,
// Settings → Providers, then the same screens in English.
//
// Needs (started by the system-test scripts, not here): Xvfb, tauri-driver on
// 127.0.0.1:${TAURI_DRIVER_PORT:-4444}, and WASEL_APP_BIN = path of the built app binary.
// Screenshots go to ${WASEL_SCREENSHOTS:-../target/screenshots}.
//
// For working on the UI without the Rust side, the same flow runs in Chromium against the mock
// build: `npm run build:mock && npm run preview:mock`, `chromedriver --port=4444`, then
// `WASEL_E2E_BROWSER_URL=http://127.0.0.1:4173/ npm run e2e`.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Key, remote } from "webdriverio";

const PORT = Number(process.env.TAURI_DRIVER_PORT || 4444);
const APP_BIN = process.env.WASEL_APP_BIN;
const BROWSER_URL = process.env.WASEL_E2E_BROWSER_URL;
const SHOTS = path.resolve(process.env.WASEL_SCREENSHOTS || "../target/screenshots");
const ARABIC = /[\u0600-\u06FF]/;
const SCREENS = /** @type {const} */ (["compose", "messages", "contacts", "attention", "inbox", "settings", "users", "audit"]);
/** Created as the first administrator on a new installation, or signed in with on a used one. */
const E2E_USER = process.env.WASEL_E2E_USER || "e2e.admin";
const E2E_PASSWORD = process.env.WASEL_E2E_PASSWORD || "Blue-Harbour-47";
const BODY = "تذكير: موعد جلسة العلاج الطبيعي غدًا الساعة 9:30 صباحًا.";
const SCHEDULED_BODY = "تذكير: اجتماع أولياء الأمور اليوم بعد ساعة في قاعة المركز.";
const CHANNELS = /** @type {const} */ (["sms", "whatsapp", "email", "push", "voice"]);
/** A number the simulators deliver to (the voice simulator answers it too). */
const SANDBOX_NUMBER = "0555001234";
/** Colleagues the administrator adds: username, display name, role. */
const STAFF = /** @type {const} */ ([
  ["huda.desk", "هدى الاستقبال", "reception"],
  ["sara.audit", "سارة التدقيق", "auditor"],
]);

/** @type {WebdriverIO.Browser} */
let browser;

/** @param {string} id */
const byTestId = (id) => browser.$(`[data-testid="${id}"]`);

function capabilities() {
  if (BROWSER_URL) {
    return {
      browserName: "chrome",
      "goog:chromeOptions": {
        binary: process.env.CHROME_BIN || "/usr/bin/chromium",
        args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800", "--lang=ar"],
      },
      "wdio:enforceWebDriverClassic": true,
    };
  }
  if (!APP_BIN) {
    throw new Error(
      "WASEL_APP_BIN is not set: point it at the built Wasel binary (e.g. target/debug/wasel-console) " +
        "and start tauri-driver before running `npm run e2e`.",
    );
  }
  return { "tauri:options": { application: APP_BIN }, "wdio:enforceWebDriverClassic": true };
}

/**
 * Visible text of an element. WebKitWebDriver's getText answers "" for text inside Mantine's
 * nested inline-flex spans (buttons, badges), so read it in the page instead.
 * @param {WebdriverIO.Element} el
 */
async function textOf(el) {
  return browser.execute((e) => (e.innerText || e.textContent || "").trim(), /** @type {any} */ (el));
}

/** Which half of the window the side navigation sits in: the start side, so right in Arabic. */
async function navSide() {
  return browser.execute(() => {
    const r = document.querySelector('[data-testid="app-nav"]')?.getBoundingClientRect();
    if (!r || r.width === 0) return "missing";
    return r.left + r.width / 2 > window.innerWidth / 2 ? "right" : "left";
  });
}

/**
 * Clicks "send" in the middle of the window: at 800 px the button sits on the window's lower
 * edge, and a click on a half-visible button can land beside it (seen once: a scheduled message
 * was never sent).
 */
async function clickSend() {
  await scrollToMiddle("compose-send");
  await clickSettled("compose-send");
}

async function htmlDir() {
  return browser.execute(() => document.documentElement.dir);
}

/** @param {"rtl" | "ltr"} dir */
async function waitForDir(dir) {
  await browser.waitUntil(async () => (await htmlDir()) === dir, {
    timeout: 15_000,
    timeoutMsg: `<html dir> never became ${dir}`,
  });
}

async function fontsReady() {
  await browser.executeAsync((done) => {
    document.fonts.ready.then(() => done(true));
  });
}

/** @param {(typeof SCREENS)[number]} screen */
async function open(screen) {
  await (await byTestId(`nav-${screen}`)).click();
  // Every selector must match before the screen counts as open (settings loads two cards).
  const markers = {
    compose: ['[data-testid="compose-to"]'],
    messages: ['[data-testid="messages-table"], [data-testid="messages-empty"]'],
    contacts: ['[data-testid="contacts-table"], [data-testid="contacts-empty"]'],
    attention: ['[data-testid="attention-table"], [data-testid="attention-empty"]'],
    inbox: ['[data-testid="sandbox-inbox"]'],
    settings: ['[data-testid="outbox-max-attempts"]', '[data-testid="security-idle"]'],
    users: ['[data-testid="users-table"]'],
    audit: ['[data-testid="audit-table"], [data-testid="audit-empty"]'],
  }[screen];
  for (const marker of markers) {
    await browser.$(marker).waitForExist({ timeout: 15_000, timeoutMsg: `the ${screen} screen did not open` });
  }
}

/**
 * Replaces a React-controlled field's text the way a person would (select all, delete, type):
 * WebDriver's Element Clear bypasses React's change tracking.
 * @param {string} id
 * @param {string} text
 */
async function replaceText(id, text) {
  const field = await byTestId(id);
  await field.click();
  await browser.keys([Key.Ctrl, "a"]);
  await browser.keys(Key.Backspace);
  await browser.waitUntil(async () => (await field.getValue()) === "", { timeoutMsg: `${id} did not clear` });
  await field.addValue(text);
  await browser.waitUntil(async () => (await field.getValue()) === text, {
    timeoutMsg: `${id} does not hold the typed text`,
  });
  return field;
}

/**
 * Sets a date/time field the way React sees typing. WebDriver keystrokes into `datetime-local`
 * depend on the engine and the system locale (segment order, 12/24 h), so the value is set in the
 * page through the native setter, followed by the input event React listens to.
 * @param {string} id
 * @param {string} value
 */
async function setFieldValue(id, value) {
  const field = await byTestId(id);
  await browser.execute(
    (el, text) => {
      const input = /** @type {HTMLInputElement} */ (el);
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
      if (setter) setter.call(input, text);
      else input.value = text;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    },
    /** @type {any} */ (field),
    value,
  );
  await browser.waitUntil(async () => (await field.getValue()) === value, {
    timeoutMsg: `${id} does not hold ${value}`,
  });
  return field;
}

/**
 * `YYYY-MM-DDTHH:mm` on the Riyadh wall clock, what the compose form's date/time fields take.
 * Saudi Arabia keeps UTC+3 all year (no daylight saving), so no time-zone database is needed.
 * @param {number} epochMs
 */
function riyadhWallClock(epochMs) {
  return new Date(epochMs + 3 * 60 * 60_000).toISOString().slice(0, 16);
}

/**
 * Clicks a button inside a drawer or modal once its slide/fade transition has settled, so the
 * click lands where the button is rather than where it was a frame ago.
 * @param {string} id
 */
async function clickSettled(id) {
  const button = await byTestId(id);
  await button.waitForDisplayed({ timeout: 15_000, timeoutMsg: `${id} never appeared` });
  await browser.pause(300);
  await button.click();
  return button;
}

/**
 * The text of every element with this test id.
 * @param {string} id
 */
async function rowsText(id) {
  const rows = await browser.$$(`[data-testid="${id}"]`);
  const texts = [];
  for (const r of rows) texts.push(await r.getText());
  return texts;
}

/**
 * Signs out and signs in as `username` (every test user has the same password).
 * @param {string} username
 */
async function signOutAndIn(username) {
  await (await byTestId("sign-out")).click();
  await (await byTestId("signin-form")).waitForDisplayed({ timeout: 15_000, timeoutMsg: "signing out did not show the sign-in page" });
  await replaceText("signin-username", username);
  await replaceText("signin-password", E2E_PASSWORD);
  await (await byTestId("signin-submit")).click();
  await (await byTestId("app-shell")).waitForExist({ timeout: 30_000, timeoutMsg: `${username} could not sign in` });
}

/**
 * Clicks in the page. WebKitWebDriver refuses clicks on some of Mantine's elements (segmented
 * control labels, options in a portal, `<tr>`s) as "not interactable"; the elements handle clicks themselves.
 * @param {string} selector
 */
async function jsClick(selector) {
  const el = await browser.$(selector);
  await el.waitForExist({ timeout: 15_000, timeoutMsg: `${selector} never appeared` });
  await browser.execute((e) => /** @type {HTMLElement} */ (e).click(), /** @type {any} */ (el));
  return el;
}

/**
 * Scrolls so the element is in the middle of the window (for a screenshot of what matters).
 * @param {string} id
 */
async function scrollToMiddle(id) {
  await browser.execute((sel) => document.querySelector(sel)?.scrollIntoView({ block: "center" }), `[data-testid="${id}"]`);
}

/** @param {(typeof CHANNELS)[number]} channel */
async function composeOn(channel) {
  await jsClick(`[data-testid="compose-channel-${channel}"]`);
  await browser.waitUntil(
    async () => (await (await byTestId("compose-preview")).getAttribute("data-channel")) === channel,
    { timeout: 15_000, timeoutMsg: `the compose screen did not switch to ${channel}` },
  );
}

/**
 * Waits for the success panel of a send on `channel` and returns the new message ids.
 * @param {(typeof CHANNELS)[number]} channel
 */
async function sent(channel) {
  const success = await byTestId("compose-success");
  await browser.waitUntil(
    async () => (await success.isExisting()) && (await success.getAttribute("data-channel")) === channel,
    { timeout: 20_000, timeoutMsg: `the ${channel} message was not accepted` },
  );
  const ids = (await success.getAttribute("data-message-ids")) ?? "";
  assert.ok(ids.trim() !== "", `the ${channel} success panel names no message`);
  assert.match(await textOf(success), ARABIC);
  // Close it so the next send's panel is a new one.
  await jsClick('[data-testid="compose-success"] .mantine-Alert-closeButton');
  await success.waitForExist({ reverse: true, timeout: 10_000 });
  return ids.split(" ");
}

/**
 * A one-page PDF saying `text`, built by hand (offsets computed), as base64.
 * @param {string} text ASCII only
 */
function tinyPdf(text) {
  const content = `BT /F1 20 Tf 40 80 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 160] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let pdf = "%PDF-1.4\n";
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1").toString("base64");
}

/**
 * Puts a file in the email's hidden file input as if picked: WebDriver's file upload is not
 * available through tauri-driver, so the page builds the File and fires the change event React reads.
 * @param {string} name
 * @param {string} base64
 */
async function attachFile(name, base64) {
  const input = await byTestId("compose-attachments-input");
  await input.waitForExist({ timeout: 10_000 });
  await browser.execute(
    (el, fileName, data) => {
      const field = /** @type {HTMLInputElement} */ (el);
      const binary = atob(data);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
      const file = new File([bytes], fileName, { type: "application/pdf" });
      try {
        const list = new DataTransfer();
        list.items.add(file);
        field.files = list.files;
      } catch {
        // Engines without a DataTransfer constructor: the handler only reads `files`.
        Object.defineProperty(field, "files", { value: [file], configurable: true });
      }
      field.dispatchEvent(new Event("change", { bubbles: true }));
    },
    /** @type {any} */ (input),
    name,
    base64,
  );
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="compose-attachment"]')).length > 0,
    { timeout: 10_000, timeoutMsg: "the PDF was not attached" },
  );
}

/** @param {string} name */
async function screenshot(name) {
  await fontsReady();
  await browser.pause(250); // let transitions (drawer, alerts) settle
  const file = path.join(SHOTS, `${name}.png`);
  await browser.saveScreenshot(file);
  return file;
}

/** @param {"ar" | "en"} prefix */
async function screenshotAllScreens(prefix) {
  for (const screen of SCREENS) {
    await open(screen);
    await screenshot(`${prefix}-${screen}`);
  }
}

describe("Wasel console (desktop window)", () => {
  before(async () => {
    const caps = capabilities();
    await mkdir(SHOTS, { recursive: true });
    browser = await remote({
      hostname: "127.0.0.1",
      port: PORT,
      capabilities: caps,
      logLevel: "warn",
      connectionRetryTimeout: 120_000,
      connectionRetryCount: 2,
      waitforTimeout: 15_000,
    });
    if (BROWSER_URL) await browser.url(BROWSER_URL);
  });

  after(async () => {
    await browser?.deleteSession().catch(() => undefined);
  });

  it("signs in, creating the first administrator on a new installation", async () => {
    const first = await byTestId("first-admin-form");
    const signIn = await byTestId("signin-form");
    const shell = await byTestId("app-shell");
    await browser.waitUntil(async () => (await first.isExisting()) || (await signIn.isExisting()) || (await shell.isExisting()), {
      timeout: 60_000,
      timeoutMsg: "neither the sign-in page nor the app appeared",
    });
    if (await first.isExisting()) {
      await replaceText("first-admin-username", E2E_USER);
      await replaceText("first-admin-display-name", "مدير الاختبار");
      await replaceText("first-admin-password", E2E_PASSWORD);
      await replaceText("first-admin-confirm", E2E_PASSWORD);
      await screenshot("first-admin");
      await (await byTestId("first-admin-submit")).click();
    } else if (await signIn.isExisting()) {
      await replaceText("signin-username", E2E_USER);
      await replaceText("signin-password", E2E_PASSWORD);
      await screenshot("signin");
      await (await byTestId("signin-submit")).click();
    }
    await shell.waitForExist({ timeout: 30_000, timeoutMsg: "signing in did not open the app" });
  });

  it("opens in Arabic, right to left", async () => {
    await (await byTestId("app-shell")).waitForExist({ timeout: 60_000, timeoutMsg: "the app shell never appeared" });
    if ((await htmlDir()) === "ltr") {
      // A previous run stopped while in English; the language is remembered, so switch back first.
      await (await byTestId("lang-toggle")).click();
    }
    await waitForDir("rtl");
    assert.equal(await browser.execute(() => document.documentElement.lang), "ar");
    const nav = await byTestId("nav-messages");
    await browser.waitUntil(async () => ARABIC.test(await textOf(nav)), { timeoutMsg: "nav labels are not Arabic" });
    assert.equal(await textOf(nav), "الرسائل");
    assert.equal(await textOf(await byTestId("lang-toggle")), "English");
    assert.equal(await navSide(), "right");
  });

  it("takes Arabic screenshots of every screen", async () => {
    await screenshotAllScreens("ar");
  });

  it("keeps the draft and shows a translated error for a bad number", async () => {
    await open("compose");
    const to = await replaceText("compose-to", "12345");
    const body = await replaceText("compose-body", BODY);
    await clickSend();

    const error = await byTestId("compose-to-error");
    await error.waitForDisplayed({ timeout: 15_000, timeoutMsg: "no error at the number field" });
    const text = await textOf(error);
    assert.match(text, ARABIC, `the phone error is not in Arabic: ${text}`);
    assert.ok(!text.includes("phone."), `a raw error code leaked: ${text}`);
    assert.equal(await to.getValue(), "12345");
    assert.equal(await body.getValue(), BODY);
  });

  it("sends to a fixed number and the simulator delivers it", async () => {
    await replaceText("compose-to", "0555001234");
    await clickSend();
    const success = await byTestId("compose-success");
    await success.waitForDisplayed({ timeout: 20_000, timeoutMsg: "the send never succeeded" });
    const id = await success.getAttribute("data-message-id");
    assert.ok(id, "the success alert does not name the message");
    assert.equal(await (await byTestId("compose-body")).getValue(), "", "the form was not cleared");

    await open("messages");
    const firstRow = async () => browser.$('[data-testid="message-row"]');
    await browser.waitUntil(
      async () => {
        const row = await firstRow();
        return (await row.isExisting()) && (await row.getAttribute("data-id")) === id &&
          (await row.getAttribute("data-status")) === "delivered";
      },
      { timeout: 30_000, interval: 500, timeoutMsg: "the new message was not delivered within 30 s" },
    );
    const badge = await (await firstRow()).$('[data-testid="message-status"]');
    assert.match(await textOf(badge), ARABIC);

    // WebKitWebDriver will not click a <tr> ("not interactable"); the row handles clicks itself.
    await browser.execute((row) => /** @type {HTMLElement} */ (row).click(), /** @type {any} */ (await firstRow()));
    const timeline = await byTestId("timeline");
    await timeline.waitForDisplayed({ timeout: 15_000, timeoutMsg: "the timeline did not open" });
    await browser.waitUntil(async () => (await textOf(timeline)).length > 0);
    await screenshot("ar-timeline");
    await browser.keys("Escape");
    await timeline.waitForExist({ reverse: true, timeout: 10_000 });
  });

  it("schedules a message an hour ahead (Riyadh time), then cancels it from its details", async () => {
    await open("compose");
    await replaceText("compose-to", "0555001234");
    await replaceText("compose-body", SCHEDULED_BODY);
    const toggle = await byTestId("compose-schedule-toggle");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false", "scheduling should start closed");
    await toggle.click();
    await (await byTestId("compose-send-at")).waitForDisplayed({
      timeout: 10_000,
      timeoutMsg: "the scheduling section did not open",
    });
    const sendAt = riyadhWallClock(Date.now() + 60 * 60_000);
    await setFieldValue("compose-send-at", sendAt);
    // The field spells the chosen moment out in Riyadh time once it holds a whole date and time.
    const spelled = await byTestId("compose-send-at-riyadh");
    await spelled.waitForDisplayed({ timeout: 10_000, timeoutMsg: "the send time was not understood" });
    const [hh, mm] = sendAt.slice(11).split(":");
    const clock = [`${hh}:${mm}`, `${Number(hh) % 12 || 12}:${mm}`]; // 24 h in English, 12 h in Arabic
    const words = await textOf(spelled);
    assert.ok(clock.some((c) => words.includes(c)), `the spelled-out time is not ${clock.join(" / ")}: ${words}`);
    await clickSend();

    // A fresh query each time: the previous test's success panel is replaced, not updated.
    const scheduled = '[data-testid="compose-success"][data-status="scheduled"]';
    await browser
      .waitUntil(async () => (await browser.$(scheduled)).isExisting(), { timeout: 20_000, interval: 250 })
      .catch(async () => {
        const shown = await browser.execute(() =>
          [...document.querySelectorAll('[data-testid="compose-success"], [role="alert"], .mantine-InputWrapper-error')]
            .map((e) => `${e.getAttribute("data-status") ?? ""} ${e.textContent ?? ""}`.trim())
            .join(" | "),
        );
        throw new Error(`the message was not scheduled; the screen shows: ${shown}`);
      });
    const success = await browser.$(scheduled);
    const id = await success.getAttribute("data-message-id");
    assert.ok(id, "the success alert does not name the message");
    assert.match(await textOf(success), ARABIC);
    await screenshot("ar-scheduled");

    await open("messages");
    const row = async () => browser.$(`[data-testid="message-row"][data-id="${id}"]`);
    const rowStatus = async () => {
      const r = await row();
      return (await r.isExisting()) ? r.getAttribute("data-status") : null;
    };
    await browser.waitUntil(async () => (await rowStatus()) === "scheduled", {
      timeout: 15_000,
      interval: 500,
      timeoutMsg: "the scheduled message is not listed as scheduled",
    });
    assert.match(await textOf(await (await row()).$('[data-testid="message-status"]')), ARABIC);

    // WebKitWebDriver will not click a <tr>; the row handles clicks itself.
    await browser.execute((r) => /** @type {HTMLElement} */ (r).click(), /** @type {any} */ (await row()));
    const drawerStatus = await byTestId("drawer-status");
    await drawerStatus.waitForDisplayed({ timeout: 15_000, timeoutMsg: "the message details did not open" });
    assert.equal(await drawerStatus.getAttribute("data-status"), "scheduled");
    await clickSettled("action-cancel");
    const confirm = await byTestId("confirm-action");
    await confirm.waitForDisplayed({ timeout: 10_000, timeoutMsg: "cancelling did not ask first" });
    assert.match(await textOf(await byTestId("confirm-modal")), ARABIC);
    await screenshot("ar-confirm-cancel");
    await clickSettled("confirm-action");

    await browser.waitUntil(
      async () => (await (await byTestId("drawer-status")).getAttribute("data-status")) === "cancelled",
      { timeout: 15_000, timeoutMsg: "the drawer never showed the message cancelled" },
    );
    await browser.waitUntil(async () => (await rowStatus()) === "cancelled", {
      timeout: 15_000,
      interval: 500,
      timeoutMsg: "the list never showed the message cancelled",
    });
    assert.equal(await (await byTestId("action-cancel")).isExisting(), false, "a cancelled message still offers Cancel");
    await screenshot("ar-cancelled");
    await browser.keys("Escape");
    await (await byTestId("drawer-status")).waitForExist({ reverse: true, timeout: 10_000 });
  });

  it("sends one message on every channel from the Arabic UI and sees each in the sandbox inbox", async () => {
    // Start from an empty inbox so every item below is from this run.
    await open("inbox");
    const clear = await byTestId("inbox-clear");
    if (await clear.isEnabled()) await clear.click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="inbox-item"]')).length === 0, {
      timeout: 15_000,
      timeoutMsg: "the sandbox inbox did not clear",
    });

    await open("compose");

    // SMS
    await composeOn("sms");
    await replaceText("compose-to", SANDBOX_NUMBER);
    await replaceText("compose-body", "تذكير: موعد جلسة العلاج الطبيعي غدًا الساعة 9:30 صباحًا.");
    await clickSend();
    await sent("sms");

    // WhatsApp: an approved template with its three values.
    await composeOn("whatsapp");
    await replaceText("compose-to", SANDBOX_NUMBER);
    await (await byTestId("compose-template")).click();
    await jsClick('[data-testid="template-option-appointment_reminder|ar"]');
    await (await byTestId("compose-param-1")).waitForDisplayed({ timeout: 15_000, timeoutMsg: "the template's values never showed" });
    await replaceText("compose-param-1", "نورة");
    await replaceText("compose-param-2", "جلسة النطق");
    await replaceText("compose-param-3", "10:00");
    const rendered = await byTestId("compose-rendered");
    await browser.waitUntil(async () => (await textOf(rendered)).includes("جلسة النطق"), {
      timeout: 15_000,
      timeoutMsg: "the filled template was not previewed",
    });
    await scrollToMiddle("compose-rendered");
    await screenshot("ar-compose-whatsapp");
    await clickSend();
    await sent("whatsapp");

    // Email with a small generated PDF.
    await composeOn("email");
    await replaceText("compose-to", "guardian@example.com");
    await replaceText("compose-subject", "تقرير التقدم الشهري");
    await replaceText("compose-body", "مرفق تقرير التقدم الشهري. مع التحية، مركز واصل.");
    await attachFile("progress-report.pdf", tinyPdf("Wasel progress report"));
    await scrollToMiddle("compose-attachments");
    await screenshot("ar-compose-email");
    await clickSend();
    await sent("email");

    // Push to a seeded guardian's devices.
    await composeOn("push");
    const picker = await byTestId("guardian-picker");
    await picker.click();
    await picker.addValue("نورة");
    const option = await browser.$('[data-testid="guardian-option"]');
    await option.waitForExist({ timeout: 15_000, timeoutMsg: "no guardian matched" });
    await browser.keys("Enter");
    await browser.waitUntil(async () => (await browser.$$('[data-testid="compose-device"]')).length > 0, {
      timeout: 15_000,
      timeoutMsg: "the guardian's devices were not listed",
    });
    await replaceText("compose-subject", "نتيجة التقييم");
    await replaceText("compose-body", "وصلت نتيجة التقييم السنوي. افتح التطبيق للاطلاع عليها.");
    // Noura's iPad is set to English: it gets the English version.
    await replaceText("compose-subject-en", "Assessment result");
    await replaceText("compose-body-en", "The yearly assessment result is ready in the app.");
    await clickSend();
    const pushIds = await sent("push");
    assert.ok(pushIds.length >= 1, "the push made no message");

    // Voice
    await composeOn("voice");
    await replaceText("compose-to", SANDBOX_NUMBER);
    await replaceText("compose-body", "مرحبًا، هذا مركز واصل. نذكّركم بموعد الجلسة غدًا الساعة التاسعة صباحًا.");
    await clickSend();
    await sent("voice");

    // Each family's view, from the simulators.
    await open("inbox");
    const arrived = async () =>
      browser.execute(() =>
        [...document.querySelectorAll('[data-testid="inbox-item"]')].map((e) => /** @type {HTMLElement} */ (e).dataset.channel),
      );
    await browser.waitUntil(async () => {
      const list = await arrived();
      return CHANNELS.every((c) => list.includes(c));
    }, {
      timeout: 30_000,
      interval: 500,
      timeoutMsg: "not every channel reached the sandbox inbox",
    });
    const channels = await arrived();
    for (const c of CHANNELS) assert.ok(channels.includes(c), `nothing arrived on ${c}: ${channels.join(", ")}`);
    const email = await browser.$('[data-testid="inbox-item"][data-channel="email"]');
    assert.match(await textOf(email), /progress-report\.pdf/);
    assert.match(await textOf(await browser.$('[data-testid="inbox-item"][data-channel="whatsapp"]')), /جلسة النطق/);
    const pushes = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="inbox-item"][data-channel="push"]')].map((e) => e.textContent ?? ""),
    );
    assert.ok(pushes.some((t) => t.includes("The yearly assessment result")), "the English device got no English text");
    assert.ok(pushes.some((t) => t.includes("نتيجة التقييم السنوي")), "the Arabic device got no Arabic text");
    // The call ends (answered, script spoken) within a few seconds.
    await browser.waitUntil(
      async () => (await textOf(await browser.$('[data-testid="inbox-item"][data-channel="voice"]'))).includes("مركز واصل"),
      { timeout: 20_000, interval: 500, timeoutMsg: "the call never reached its script" },
    );
    await screenshot("ar-inbox-channels");
  });

  it("shows Settings → Providers with every channel's providers", async () => {
    await open("settings");
    await (await byTestId("settings-tab-providers")).click();
    const providers = await byTestId("providers-settings");
    await providers.waitForDisplayed({ timeout: 15_000, timeoutMsg: "the providers tab did not open" });
    const cards = await browser.$$('[data-testid="provider-card"]');
    assert.ok(cards.length >= 9, `only ${cards.length} providers listed`);
    // The first provider's connection test, explained in words.
    await jsClick('[data-testid="provider-card"] [data-testid="provider-test"]');
    const result = await browser.$('[data-testid="provider-check-result"]');
    await result.waitForDisplayed({ timeout: 20_000, timeoutMsg: "the connection test showed no result" });
    assert.match(await textOf(result), ARABIC);
    await screenshot("ar-providers");
  });

  it("switches to English, left to right", async () => {
    await (await byTestId("lang-toggle")).click();
    await waitForDir("ltr");
    assert.equal(await browser.execute(() => document.documentElement.lang), "en");
    assert.equal(await textOf(await byTestId("nav-compose")), "Compose");
    assert.equal(await textOf(await byTestId("nav-messages")), "Messages");
    assert.equal(await textOf(await byTestId("nav-settings")), "Settings");
    // The attention item may carry a count badge after its label.
    assert.match(await textOf(await byTestId("nav-attention")), /^Needs attention/);
    assert.equal(await navSide(), "left");
    assert.equal(await textOf(await byTestId("lang-toggle")), "العربية");
    await screenshotAllScreens("en");
    await open("settings");
    await (await byTestId("settings-tab-providers")).click();
    await (await byTestId("providers-settings")).waitForDisplayed({ timeout: 15_000 });
    await screenshot("en-providers");
  });

  it("switches back to Arabic so the next run starts in Arabic", async () => {
    await (await byTestId("lang-toggle")).click();
    await waitForDir("rtl");
    await browser.waitUntil(async () => (await textOf(await byTestId("nav-messages"))) === "الرسائل");
    // The choice is saved by the backend asynchronously; give the IPC call a moment to land.
    await browser.pause(500);
  });

  it("adds a family, keeps the form on a bad number, and finds the family by another spelling", async () => {
    await open("contacts");
    await (await byTestId("contacts-new")).click();
    await (await byTestId("contact-form")).waitForDisplayed({ timeout: 15_000 });
    await replaceText("contact-name", "أحمد الشهري");
    await replaceText("contact-phone", "12345");
    await replaceText("contact-beneficiary-name", "فاطمة");
    await replaceText("contact-file-number", "F-2001");
    // The long form scrolls inside the dialog; its submit may sit below the window's edge.
    await jsClick('[data-testid="contact-submit"]');
    const error = await byTestId("contact-phone-error");
    const general = await byTestId("contact-form-error");
    await browser.waitUntil(async () => (await error.isDisplayed()) || (await general.isDisplayed()), {
      timeout: 15_000,
      timeoutMsg: "no error after saving a bad number",
    });
    await screenshot("ar-family-error");
    assert.ok(await error.isDisplayed(), `the error is not at the phone field: ${await general.isDisplayed() ? await textOf(general) : ""}`);
    assert.match(await textOf(error), ARABIC);
    assert.equal(await (await byTestId("contact-name")).getValue(), "أحمد الشهري", "the name was lost");
    await replaceText("contact-phone", "0555001501");
    // The long form scrolls inside the dialog; its submit may sit below the window's edge.
    await jsClick('[data-testid="contact-submit"]');
    await (await byTestId("contact-form")).waitForDisplayed({ reverse: true, timeout: 15_000, timeoutMsg: "the family was not saved" });
    // Typed the way a desk might: no hamza, ة as ه, the family name without its article.
    await replaceText("contacts-search", "احمد شهري");
    await browser.waitUntil(async () => (await rowsText("contact-row")).some((t) => t.includes("أحمد الشهري")), {
      timeoutMsg: "the family was not found by another spelling",
    });
    await replaceText("contacts-search", "فاطمه");
    await browser.waitUntil(async () => (await rowsText("contact-row")).some((t) => t.includes("أحمد الشهري")));
    await jsClick('[data-testid="contact-row"]');
    await (await byTestId("contact-family")).waitForDisplayed({ timeout: 15_000, timeoutMsg: "the family did not open" });
    await browser.pause(600); // the drawer slides in: let it settle before the picture
    await screenshot("ar-family");
    await browser.keys(Key.Escape);
  });

  it("creates a reception user and an auditor on the Users screen", async () => {
    await open("users");
    for (const [name, display, role] of STAFF) {
      await (await byTestId("users-new")).click();
      await (await byTestId("new-user-form")).waitForDisplayed({ timeout: 15_000 });
      await replaceText("new-user-username", name);
      await replaceText("new-user-display-name", display);
      await replaceText("new-user-password", E2E_PASSWORD);
      // Exactly this role: the form starts with reception ticked.
      for (const each of ["reception", "clinician", "admin", "auditor"]) {
        const box = await byTestId(`role-${each}`);
        if ((await box.isSelected()) !== (each === role)) await jsClick(`[data-testid="role-${each}"]`);
      }
      await (await byTestId("new-user-submit")).click();
      await browser.waitUntil(async () => (await rowsText("user-row")).some((t) => t.includes(name)), {
        timeoutMsg: `${name} did not appear in the users table`,
      });
    }
    await screenshot("ar-users-created");
  });

  it("a reception user signs in and cannot open Users or Audit", async () => {
    await signOutAndIn(STAFF[0][0]);
    await (await byTestId("nav-compose")).waitForExist({ timeout: 15_000 });
    assert.equal(await (await byTestId("nav-users")).isExisting(), false, "reception sees Users");
    assert.equal(await (await byTestId("nav-audit")).isExisting(), false, "reception sees the Audit trail");
    assert.equal(await (await byTestId("nav-settings")).isExisting(), false, "reception sees Settings");
    assert.ok((await textOf(await byTestId("signed-in-user"))).includes(STAFF[0][1]), "the header does not name the user");
    await screenshot("ar-reception-nav");
  });

  it("an auditor reads the trail and exports it, and cannot send", async () => {
    await signOutAndIn(STAFF[1][0]);
    await (await byTestId("nav-audit")).waitForExist({ timeout: 15_000 });
    assert.equal(await (await byTestId("nav-compose")).isExisting(), false, "an auditor can compose");
    await open("audit");
    const actions = await rowsText("audit-row");
    assert.ok(actions.some((t) => t.includes("user.create")), `the users created are not in the trail: ${actions.slice(0, 3)}`);
    await (await byTestId("audit-export")).click();
    const saved = await byTestId("audit-export-saved");
    await saved.waitForDisplayed({ timeout: 15_000, timeoutMsg: "the export did not say where it was saved" });
    assert.match(await textOf(saved), /wasel-audit-\d{8}-\d{6}\.csv/);
    await screenshot("ar-auditor-audit");
    await open("messages");
  });

  it("locks after inactivity and keeps what was typed", async () => {
    await signOutAndIn(E2E_USER);
    await open("settings");
    await replaceText("security-idle", "1");
    await (await byTestId("security-save")).click();
    await browser.pause(500);
    // The new idle time applies from the next sign-in.
    await signOutAndIn(E2E_USER);
    await open("compose");
    const draft = "مسودة لم تُرسل بعد: موعد الأربعاء";
    await replaceText("compose-body", draft);
    // The form inside the lock (the modal's root stays in the page, empty, while it is closed).
    const overlay = await byTestId("lock-form");
    await overlay.waitForDisplayed({ timeout: 100_000, interval: 1_000, timeoutMsg: "the console did not lock after a minute idle" });
    await screenshot("ar-locked");
    await replaceText("unlock-password", E2E_PASSWORD);
    await (await byTestId("unlock-submit")).click();
    await overlay.waitForDisplayed({ reverse: true, timeout: 15_000, timeoutMsg: "the password did not unlock" });
    assert.equal(await (await byTestId("compose-body")).getValue(), draft, "the draft was lost while locked");
  });
});
