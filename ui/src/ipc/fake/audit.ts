// The audit trail: entries appended by the other fake parts, read back filtered and a page at a
// time (newest first, keyset on `seq`), exported as CSV, and "verified" (`breakAt` fakes damage).
import type { AuditEntryView, AuditFilterInput, AuditVerification } from "../bindings";
import { fail } from "./rules";

export type AuditEntry = Omit<AuditEntryView, "seq" | "at"> & { at?: Date };

export function createAuditTrail() {
  const entries: (AuditEntryView & { seq: number })[] = [];
  let broken: { seq: number; problem: "gap" | "link" | "content" } | null = null;

  const append = ({ at = new Date(), ...entry }: AuditEntry) => {
    entries.push({ ...entry, seq: entries.length + 1, at: at.toISOString() });
  };

  const day = (value: string | null, field: string): number | null => {
    const text = value?.trim();
    if (!text) return null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
      fail("audit.filter_invalid", { field });
    }
    return Date.parse(`${text}T00:00:00Z`);
  };

  const matching = (filter: AuditFilterInput, limit: number) => {
    const from = day(filter.from, "from");
    const toDay = day(filter.to, "to");
    const to = toDay === null ? null : toDay + 86_400_000;
    if (from !== null && to !== null && from >= to) fail("audit.filter_invalid", { field: "to" });
    const text = (v: string | null) => v?.trim() || null;
    const [user, action, entity, entityId] = [text(filter.user), text(filter.action), text(filter.entity), text(filter.entityId)];
    return entries
      .filter((e) => !user || e.actor === user)
      .filter((e) => !action || (action.endsWith(".") ? e.action.startsWith(action) : e.action === action))
      .filter((e) => !entity || e.entity === entity)
      .filter((e) => !entityId || e.entityId === entityId)
      .filter((e) => from === null || Date.parse(e.at) >= from)
      .filter((e) => to === null || Date.parse(e.at) < to)
      .filter((e) => filter.beforeSeq === null || e.seq < filter.beforeSeq)
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit);
  };

  const list = (filter: AuditFilterInput): AuditEntryView[] =>
    structuredClone(matching(filter, Math.min(Math.max(filter.limit ?? 200, 1), 1000)));

  /** What each export wrote, as the desktop host would save it in the Downloads folder. */
  const saved: { path: string; csv: string }[] = [];
  const exportCsv = (filter: AuditFilterInput, actor: string): { path: string; bytes: number } => {
    const rows = matching(filter, 200_000);
    const cell = (v: string | number | null) => {
      const s = String(v ?? "");
      const guarded = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
      return /[",\n\r]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
    };
    const lines = rows.map((r) =>
      [r.seq, r.at, r.actor, r.origin, r.action, r.entity, r.entityId, r.before, r.after, `hash${r.seq}`].map(cell).join(","),
    );
    append({ actor, origin: "console", action: "audit.export", entity: "audit_log", entityId: null, before: JSON.stringify(filter), after: JSON.stringify({ rows: rows.length }) });
    const csv = `\ufeffseq,at,actor,origin,action,entity,entity_id,before,after,hash\r\n${lines.map((l) => `${l}\r\n`).join("")}`;
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const path = `/home/desk/Downloads/wasel-audit-${stamp}.csv`;
    saved.push({ path, csv });
    return { path, bytes: new TextEncoder().encode(csv).length };
  };

  const verify = (): AuditVerification =>
    broken
      ? { checked: broken.seq - 1, intact: false, brokenAt: broken.seq, problem: broken.problem }
      : { checked: entries.length, intact: true, brokenAt: null, problem: null };

  const breakAt = (seq: number, problem: "gap" | "link" | "content") => {
    broken = { seq, problem };
  };

  return { entries, append, list, exportCsv, saved, verify, breakAt };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
