import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, queryKeys, type NewUserInput, type Role, type UserView } from "../../ipc";

export function useUsers() {
  return useQuery({ queryKey: queryKeys.users, queryFn: ipc.listUsers });
}

/** Every change refreshes the list (and the audit trail, which now has one more entry). */
function useUserMutation<T>(run: (input: T) => Promise<UserView>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.users });
      void client.invalidateQueries({ queryKey: queryKeys.auditRoot });
    },
  });
}

export function useCreateUser() {
  return useUserMutation((input: NewUserInput) => ipc.createUser(input));
}

export function useSetRoles() {
  return useUserMutation(({ id, roles }: { id: string; roles: Role[] }) => ipc.setUserRoles(id, roles));
}

export function useSetDisabled() {
  return useUserMutation(({ id, disabled }: { id: string; disabled: boolean }) => ipc.setUserDisabled(id, disabled));
}

export function useResetPassword() {
  return useUserMutation(({ id, password }: { id: string; password: string }) => ipc.resetUserPassword(id, password));
}
