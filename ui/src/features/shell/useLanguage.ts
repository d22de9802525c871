//! Switching language flips the text, `<html dir lang>`, Mantine's direction and the backend's
//! remembered choice in one call.
import { useDirection } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { ipc, queryKeys, type Language } from "../../ipc";
import { applyLanguage, currentLanguage, directionOf, isLanguage, DEFAULT_LANGUAGE } from "../../i18n";
import { useAppStatus } from "./useAppStatus";

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

/** The backend remembers the language across runs; the cached one only made the first paint right. */
export function useRememberedLanguage(): void {
  const status = useAppStatus();
  const { setDirection } = useDirection();
  const adopted = useRef(false);
  useEffect(() => {
    if (adopted.current || !status.data) return;
    adopted.current = true;
    const remembered = status.data.language;
    if (remembered !== currentLanguage()) {
      setDirection(directionOf(remembered));
      void applyLanguage(remembered);
    }
  }, [status.data, setDirection]);
}
