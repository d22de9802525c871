import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type InboundInput, type MessageChannel } from "../../ipc";

/** Live like the message list: every 2 s, and sooner on `messages-changed` (the key is under `messages`). */
const INBOX_REFETCH_MS = 2_000;

export function useSandboxInbox(channel: MessageChannel | null) {
  return useQuery({
    queryKey: queryKeys.inbox(channel),
    queryFn: () => ipc.sandboxInbox(channel),
    refetchInterval: INBOX_REFETCH_MS,
    // The backend answers newest first; keep it so even if a simulator's clock is off.
    select: (items) => [...items].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)),
  });
}

export function useClearInbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ipc.clearSandboxInbox,
    onSettled: () => client.invalidateQueries({ queryKey: ["messages", "inbox"] }),
  });
}

export function useReplyAsGuardian() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: InboundInput) => ipc.simulateReply(input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.messagesRoot });
      // A WhatsApp reply opens the window the compose screen shows.
      void client.invalidateQueries({ queryKey: ["message-preview"] });
    },
  });
}
