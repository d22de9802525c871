import { DirectionProvider, MantineProvider } from "@mantine/core";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { I18nextProvider } from "react-i18next";
import { AuthGate } from "./features/auth/AuthGate";
import { AppLayout } from "./features/shell/AppLayout";
import i18n, { currentLanguage, directionOf } from "./i18n";
import { createQueryClient } from "./lib/queryClient";
import { theme } from "./theme";

export function App({ client }: { client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? createQueryClient());
  return (
    <I18nextProvider i18n={i18n}>
      <QueryClientProvider client={queryClient}>
        <DirectionProvider initialDirection={directionOf(currentLanguage())} detectDirection>
          <MantineProvider theme={theme} defaultColorScheme="light">
            <AuthGate>
              <AppLayout />
            </AuthGate>
          </MantineProvider>
        </DirectionProvider>
      </QueryClientProvider>
    </I18nextProvider>
  );
}
