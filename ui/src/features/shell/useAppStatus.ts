import { useQuery } from "@tanstack/react-query";
import { ipc, queryKeys } from "../../ipc";

export function useAppStatus() {
  return useQuery({ queryKey: queryKeys.appStatus, queryFn: ipc.appStatus, staleTime: 30_000 });
}
