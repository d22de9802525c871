import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type MessageChannel, type ProviderInput, type ProviderView } from "../../ipc";

/** Every provider, grouped by channel in failover order (the backend's order). */
export function useProviders() {
  return useQuery({ queryKey: queryKeys.providers, queryFn: ipc.listProviders, staleTime: 10_000 });
}

/**
 * Each provider command answers with the whole new list: it replaces the cached one, and the app
 * status follows (a first real provider leaves the sandbox, clearing the last one goes back).
 */
function useProvidersMutation<T>(run: (input: T) => Promise<ProviderView[]>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: (providers) => {
      client.setQueryData(queryKeys.providers, providers);
      void client.invalidateQueries({ queryKey: queryKeys.appStatus });
      // The estimate before sending uses the first provider's price.
      void client.invalidateQueries({ queryKey: ["message-preview"] });
    },
  });
}

export function useSaveProvider() {
  return useProvidersMutation((input: ProviderInput) => ipc.saveProvider(input));
}

export function useClearProvider() {
  return useProvidersMutation((id: string) => ipc.clearProvider(id));
}

export function useFailoverOrder() {
  return useProvidersMutation(({ channel, ids }: { channel: MessageChannel; ids: string[] }) =>
    ipc.setFailoverOrder(channel, ids),
  );
}

export function useTestProvider() {
  return useMutation({ mutationFn: (id: string) => ipc.testProvider(id) });
}

export function useSendProviderTest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, to }: { id: string; to: string }) => ipc.sendProviderTest(id, to),
    // A test in the sandbox lands in the inbox.
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.messagesRoot }),
  });
}
