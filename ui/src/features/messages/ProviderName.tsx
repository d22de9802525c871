import { useTranslation } from "react-i18next";

/** Provider ids are product names (twilio, taqnyat); shown translated when known, else as they are. */
export function ProviderName({ id }: { id: string }) {
  const { t } = useTranslation();
  return <>{t(`providers.${id}`, { defaultValue: id })}</>;
}
