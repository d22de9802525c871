//! Switching language flips the text, `<html dir lang>`, Mantine's direction and the backend's
//! remembered choice in one call.
import { useDirection } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { useTranslation } from "react-i18next";
import { ipc, queryKeys, type Language } from "../../ipc";
import { applyLanguage, directionOf, isLanguage, DEFAULT_LANGUAGE } from "../../i18n";

export function useLanguage() {
  const { i18n } = useTranslation();
  const { setDirection } = useDirection();
  const client = useQueryClient();
  const remember = useMutation({
    mutationFn: ipc.setLanguage,
    onSuccess: (status) => client.setQueryData(queryKeys.appStatus, status),
  });
  const { mutate } = remember;
  const language: Language = isLanguage(i18n.language) ? i18n.language : DEFAULT_LANGUAGE;

  const change = useCallback(
    async (next: Language) => {
      setDirection(directionOf(next));
      await applyLanguage(next);
      mutate(next);
    },
    [setDirection, mutate],
  );

  const toggle = useCallback(() => change(language === "ar" ? "en" : "ar"), [change, language]);

  return { language, change, toggle };
}
