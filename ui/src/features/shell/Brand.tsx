import { Box } from "@mantine/core";
import { useTranslation } from "react-i18next";
import classes from "./AppLayout.module.css";

/** The mark and the name in both scripts. */
export function Brand() {
  const { t } = useTranslation();
  return (
    <Box className={classes.brand}>
      <span className={classes.brandMark} aria-hidden="true">
        {t("app.name").slice(0, 1)}
      </span>
      <span className={classes.brandText}>
        <span className={classes.brandName}>{t("app.name")}</span>
        <span className={classes.brandAlt}>{t("app.nameAlt")}</span>
      </span>
    </Box>
  );
}
