import { Alert, Skeleton } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../../lib/errors";

type Props<T> = {
  query: UseQueryResult<T>;
  /** On the alert that says why the saved values could not be read. */
  errorTestId: string;
  /** The placeholder's height, about the form's, so the page does not jump. */
  height: string;
  children: (saved: T) => ReactNode;
};

/** A settings card's saved values: a placeholder while they load, why not if they cannot, then the form. */
export function SavedSettings<T>({ query, errorTestId, height, children }: Props<T>) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  if (query.isError) {
    return (
      <Alert color="red" variant="light" radius="md" title={t("common.loadFailed")} data-testid={errorTestId}>
        {errorText(query.error)}
      </Alert>
    );
  }
  if (!query.data) return <Skeleton h={height} />;
  return children(query.data);
}
