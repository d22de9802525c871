// @ts-check
// Drives the real desktop window through tauri-driver (WebDriver): Arabic first, a send that fails
// and keeps the draft, a send that is delivered by the simulator, a message scheduled an hour ahead
// and cancelled from its details, then the same screens in English.
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
const SCREENS = /** @type {const} */ (["compose", "messages", "attention", "settings"]);
const BODY = "تذكير: موعد جلسة العلاج الطبيعي غدًا الساعة 9:30 صباحًا.";
const SCHEDULED_BODY = "تذكير: اجتماع أولياء الأمور اليوم بعد ساعة في قاعة المركز.";

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
    attention: ['[data-testid="attention-table"], [data-testid="attention-empty"]'],
    settings: ['[data-testid="settings-twilio-sid"]', '[data-testid="outbox-max-attempts"]'],
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
  });

  it("takes Arabic screenshots of every screen", async () => {
    await screenshotAllScreens("ar");
  });

  it("keeps the draft and shows a translated error for a bad number", async () => {
    await open("compose");
    const to = await replaceText("compose-to", "12345");
    const body = await replaceText("compose-body", BODY);
    await (await byTestId("compose-send")).click();

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
    await (await byTestId("compose-send")).click();
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
    await (await byTestId("compose-send")).click();

    const success = await byTestId("compose-success");
    await browser.waitUntil(
      async () => (await success.isExisting()) && (await success.getAttribute("data-status")) === "scheduled",
      { timeout: 20_000, timeoutMsg: "the message was not scheduled" },
    );
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

  it("switches to English, left to right", async () => {
    await (await byTestId("lang-toggle")).click();
    await waitForDir("ltr");
    assert.equal(await browser.execute(() => document.documentElement.lang), "en");
    assert.equal(await textOf(await byTestId("nav-compose")), "Compose");
    assert.equal(await textOf(await byTestId("nav-messages")), "Messages");
    assert.equal(await textOf(await byTestId("nav-settings")), "Settings");
    // The attention item may carry a count badge after its label.
    assert.match(await textOf(await byTestId("nav-attention")), /^Needs attention/);
    assert.equal(await textOf(await byTestId("lang-toggle")), "العربية");
    await screenshotAllScreens("en");
  });

  it("switches back to Arabic so the next run starts in Arabic", async () => {
    await (await byTestId("lang-toggle")).click();
    await waitForDir("rtl");
    await browser.waitUntil(async () => (await textOf(await byTestId("nav-messages"))) === "الرسائل");
    // The choice is saved by the backend asynchronously; give the IPC call a moment to land.
    await browser.pause(500);
  });
});
