import { Button } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useLanguage } from "./useLanguage";

/** "English" / "العربية": the other language, written in itself. In the header and on the sign-in pages. */
export function LanguageToggle() {
  const { t } = useTranslation();
  const { language, toggle } = useLanguage();
  return (
    <Button
      variant="default"
      radius="xl"
      data-testid="lang-toggle"
      aria-label={t("language.toggleLabel")}
      onClick={() => void toggle()}
      miw="6.5rem"
      lang={language === "ar" ? "en" : "ar"}
    >
      {t("language.toggle")}
    </Button>
  );
}
