import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type ConsentSource, type ContactInput, type FamilyView, type MessageChannel } from "../../ipc";

/** What was typed, already debounced: the list keeps the previous answer while the next one comes. */
export function useContactSearch(query: string) {
  const q = query.trim();
  return useQuery({
    queryKey: queryKeys.contacts(q),
    queryFn: () => ipc.searchContacts(q, null),
    placeholderData: keepPreviousData,
  });
}

export function useFamily(guardianId: string | null) {
  return useQuery({
    queryKey: queryKeys.family(guardianId ?? ""),
    queryFn: () => ipc.contactFamily(guardianId ?? ""),
    enabled: guardianId !== null,
  });
}

/** A save refreshes every search and family (names, phone and file number are what they are found by). */
export function useSaveContact() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ContactInput) => ipc.saveContact(input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.contactsRoot });
      void client.invalidateQueries({ queryKey: queryKeys.guardians });
      void client.invalidateQueries({ queryKey: queryKeys.auditRoot });
    },
  });
}

type ConsentChange = { guardianId: string; channel: MessageChannel; optedIn: boolean; source: ConsentSource };

/** The answer is the family's consents as they now stand: the open family shows them at once. */
export function useSetConsent() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ guardianId, channel, optedIn, source }: ConsentChange) => ipc.setConsent(guardianId, channel, optedIn, source),
    onSuccess: (consents, { guardianId }) => {
      client.setQueryData<FamilyView>(queryKeys.family(guardianId), (family) => (family ? { ...family, consents } : family));
      void client.invalidateQueries({ queryKey: queryKeys.auditRoot });
    },
  });
}
