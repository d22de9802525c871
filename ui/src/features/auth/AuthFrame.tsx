import { Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Brand } from "../shell/Brand";
import { LanguageToggle } from "../shell/LanguageToggle";
import classes from "./Auth.module.css";

/** The pages before the app (first administrator, sign-in): the brand, the language, one card. */
export function AuthFrame({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  return (
    <div className={classes.frame}>
      <header className={classes.top}>
        <Brand />
        <LanguageToggle />
      </header>
      <main className={classes.main}>
        <Paper withBorder shadow="sm" p="xl" radius="md" className={classes.card}>
          <Stack gap={4} mb="lg">
            <Title order={1} fz="1.35rem">
              {title}
            </Title>
            {subtitle && (
              <Text size="sm" c="dimmed">
                {subtitle}
              </Text>
            )}
          </Stack>
          {children}
        </Paper>
      </main>
    </div>
  );
}
