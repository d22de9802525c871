import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ipc, queryKeys } from "../../ipc";

/** The backend's view of the draft (E.164 number, encoding, segments), asked ~150 ms after typing stops. */
export function useSmsPreview(to: string, body: string) {
  const [debouncedTo] = useDebouncedValue(to, 150);
  const [debouncedBody] = useDebouncedValue(body, 150);
  const draft = { to: debouncedTo, body: debouncedBody };
  return useQuery({
    queryKey: queryKeys.preview(draft),
    queryFn: () => ipc.previewSms(draft),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    gcTime: 60_000,
    retry: false,
  });
}
