import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type AuditEntryView, type AuditFilterInput } from "../../ipc";

export const PAGE_SIZE = 50;

/** What the filter form holds: text as typed, dates as `YYYY-MM-DD`. */
export type AuditFilter = { user: string; action: string; entity: string; from: string; to: string };
export const NO_FILTER: AuditFilter = { user: "", action: "", entity: "", from: "", to: "" };

/** The form's filter as the backend takes it: empty fields are no condition. */
export function toInput(filter: AuditFilter): AuditFilterInput {
  const text = (value: string) => value.trim() || null;
  return {
    user: text(filter.user),
    action: text(filter.action),
    entity: text(filter.entity),
    entityId: null,
    from: text(filter.from),
    to: text(filter.to),
    beforeSeq: null,
    limit: PAGE_SIZE,
  };
}

/** Newest first, a page at a time: the next page starts below the last row's `seq` (no offsets). */
export function useAuditEntries(filter: AuditFilterInput) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit(filter),
    queryFn: ({ pageParam }) => ipc.auditEntries({ ...filter, beforeSeq: pageParam }),
    initialPageParam: null as number | null,
    getNextPageParam: (last: AuditEntryView[]) => (last.length < PAGE_SIZE ? undefined : (last[last.length - 1]?.seq ?? undefined)),
  });
}

/** The export is itself audited: the list shows it afterwards. */
export function useExportAudit() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (filter: AuditFilterInput) => ipc.exportAuditCsv({ ...filter, beforeSeq: null, limit: null }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.auditRoot }),
  });
}

export function useVerifyAudit() {
  return useMutation({ mutationFn: ipc.verifyAudit });
}
