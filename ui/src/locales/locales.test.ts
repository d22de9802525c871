import { describe, expect, it } from "vitest";
import ar from "./ar.json";
import en from "./en.json";

type Tree = { [key: string]: string | Tree };

/** Every leaf as `a.b.c` → value; arrays or numbers would be mistakes in a locale file. */
function flatten(tree: Tree, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of flatten(value as Tree, path)) out.set(k, v);
    } else {
      out.set(path, value);
    }
  }
  return out;
}

function placeholders(value: string): string[] {
  return [...value.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
}

/** Problems that make one language show a key, an empty string or a missing value. */
function compareLocales(locales: Record<string, Tree>): string[] {
  const flat = Object.fromEntries(Object.entries(locales).map(([lng, tree]) => [lng, flatten(tree)]));
  const allKeys = new Set(Object.values(flat).flatMap((m) => [...m.keys()]));
  const problems: string[] = [];
  for (const key of [...allKeys].sort()) {
    const params = new Set<string>();
    for (const [lng, map] of Object.entries(flat)) {
      if (!map.has(key)) {
        problems.push(`${lng}: missing ${key}`);
        continue;
      }
      const value = map.get(key);
      if (typeof value !== "string") problems.push(`${lng}: ${key} is not a string`);
      else if (value.trim() === "") problems.push(`${lng}: ${key} is empty`);
      else params.add(placeholders(value).join(","));
    }
    if (params.size > 1) problems.push(`${key}: placeholders differ between languages (${[...params].join(" | ")})`);
  }
  return problems;
}

describe("locale files", () => {
  it("have the same keys in Arabic and English, none empty, with matching placeholders", () => {
    expect(compareLocales({ ar: ar as Tree, en: en as Tree })).toEqual([]);
  });

  it("the check itself catches a key missing in one language and an empty value", () => {
    const problems = compareLocales({
      ar: { a: "أ", b: { c: "ج" }, d: "" },
      en: { a: "A", b: {}, d: "D" },
    });
    expect(problems).toContain("en: missing b.c");
    expect(problems).toContain("ar: d is empty");
    expect(compareLocales({ ar: { x: "{{max}}" }, en: { x: "{{min}}" } })).toHaveLength(1);
  });

  // That every code the backend can return is here is checked on the Rust side, against its
  // own list (wasel_core::error::CODES): `error::tests::every_code_is_translated_…`.
  it("give backend errors the parameters the backend sends", () => {
    const flatAr = flatten(ar as Tree);
    expect(placeholders(flatAr.get("errors.phone.invalid") as string)).toEqual(["input"]);
    expect(placeholders(flatAr.get("errors.body.too_long") as string)).toEqual(["max"]);
    expect(placeholders(flatAr.get("errors.provider.rejected") as string)).toEqual(["code"]);
    expect(placeholders(flatAr.get("errors.unknown") as string)).toEqual(["code"]);
    expect(placeholders(flatAr.get("errors.outbox.max_attempts_invalid") as string)).toEqual(["max"]);
    expect(placeholders(flatAr.get("errors.outbox.quiet_hours_invalid") as string)).toEqual(["input"]);
    expect(placeholders(flatAr.get("errors.message.action_not_allowed") as string)).toEqual(["status"]);
  });

  it("name every message status and event source", () => {
    const flatAr = flatten(ar as Tree);
    for (const s of ["scheduled", "queued", "sending", "sent", "delivered", "read", "failed", "cancelled", "expired", "unknown"]) {
      expect(flatAr.has(`status.${s}`), s).toBe(true);
    }
    for (const s of ["dispatch", "webhook", "poll", "operator"]) expect(flatAr.has(`source.${s}`), s).toBe(true);
  });
});
