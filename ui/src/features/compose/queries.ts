import { useDebouncedValue } from "@mantine/hooks";
import { useMemo } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type InboundInput, type SendMessageInput } from "../../ipc";

/**
 * The backend's view of the draft (normalised address, segments, cost, filled template, window,
 * devices, problems), asked ~150 ms after typing stops.
 */
export function useMessagePreview(input: SendMessageInput) {
  // Debounce the draft's text, not the object: a new object every render would never settle.
  const [key] = useDebouncedValue(JSON.stringify(input), 150);
  const debounced = useMemo(() => JSON.parse(key) as SendMessageInput, [key]);
  return useQuery({
    queryKey: queryKeys.preview(debounced),
    queryFn: () => ipc.previewMessage(debounced),
    placeholderData: keepPreviousData,
    // The WhatsApp window and the guardian's devices change without the draft changing.
    staleTime: 10_000,
    gcTime: 60_000,
    retry: false,
  });
}

/** Invalidates every preview: a simulated reply opened a window, templates were refreshed. */
export function useInvalidatePreviews() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["message-preview"] });
}

export function useTemplates(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.templates, queryFn: ipc.whatsappTemplates, enabled, staleTime: 60_000 });
}

/** Asks the providers again (a template may have been approved since). */
export function useRefreshTemplates() {
  const client = useQueryClient();
  const invalidatePreviews = useInvalidatePreviews();
  return useMutation({
    mutationFn: ipc.refreshWhatsappTemplates,
    onSuccess: (templates) => {
      client.setQueryData(queryKeys.templates, templates);
      void invalidatePreviews();
    },
  });
}

export function useGuardianDevices(guardianId: string | null) {
  return useQuery({
    queryKey: queryKeys.devices(guardianId ?? ""),
    queryFn: () => ipc.guardianDevices(guardianId ?? ""),
    enabled: guardianId !== null,
    staleTime: 30_000,
  });
}

/** A guardian's reply in the sandbox: it opens the WhatsApp window and shows in the inbox. */
export function useSimulateReply() {
  const client = useQueryClient();
  const invalidatePreviews = useInvalidatePreviews();
  return useMutation({
    mutationFn: (input: InboundInput) => ipc.simulateReply(input),
    onSuccess: () => {
      void invalidatePreviews();
      void client.invalidateQueries({ queryKey: queryKeys.messagesRoot });
    },
  });
}
