import { useQuery } from "@tanstack/react-query";
import { ipc, queryKeys, type MessageFilter, type MessageView } from "../../ipc";

/** Live: the `messages-changed` event invalidates these; the 2 s refetch is the fallback. */
const LIVE_REFETCH_MS = 2_000;
const LIST_LIMIT = 200;

export type MessagesFilter = Pick<MessageFilter, "status" | "channel" | "provider">;

export function useMessages({ status, channel, provider }: MessagesFilter) {
  const filter: MessageFilter = { status, channel, provider, limit: LIST_LIMIT };
  return useQuery({
    queryKey: queryKeys.messages(filter),
    queryFn: () => ipc.listMessages(filter),
    select: newestFirst,
    refetchInterval: LIVE_REFETCH_MS,
  });
}

export function useTimeline(id: string | null) {
  return useQuery({
    queryKey: queryKeys.timeline(id ?? ""),
    queryFn: () => ipc.messageTimeline(id ?? ""),
    enabled: id !== null,
    refetchInterval: LIVE_REFETCH_MS,
    select: (events) => [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
  });
}

function newestFirst(messages: MessageView[]): MessageView[] {
  return [...messages].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id));
}

export function useAttempts(id: string | null) {
  return useQuery({
    queryKey: queryKeys.attempts(id ?? ""),
    queryFn: () => ipc.messageAttempts(id ?? ""),
    enabled: id !== null,
    refetchInterval: LIVE_REFETCH_MS,
    select: (attempts) => [...attempts].sort((a, b) => a.attemptNo - b.attemptNo),
  });
}

/** `unknown` messages: polled every 5 s for the nav badge; `messages-changed` refreshes it sooner. */
export const ATTENTION_REFETCH_MS = 5_000;

export function useNeedsAttention() {
  return useQuery({
    queryKey: queryKeys.attention,
    queryFn: ipc.needsAttention,
    select: newestFirst,
    refetchInterval: ATTENTION_REFETCH_MS,
  });
}
