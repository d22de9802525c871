import { Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../lib/format";
import { currentLanguage } from "../../i18n";
import classes from "./Auth.module.css";

export const MIN_PASSWORD_CHARS = 10;

/**
 * The password policy in words, each rule marked once the typed password meets it. Only a hint:
 * the backend decides (it also refuses well-known passwords), and says why at the field.
 */
export function PasswordPolicy({ password, username }: { password: string; username: string }) {
  const { t } = useTranslation();
  const chars = [...password];
  const letters = chars.some((c) => /\p{Alphabetic}/u.test(c));
  const others = chars.some((c) => !/\p{Alphabetic}/u.test(c) && !/\s/u.test(c));
  const name = username.trim().toLowerCase();
  const rules = [
    { key: "length", met: chars.length >= MIN_PASSWORD_CHARS, text: t("auth.policy.length", { min: formatNumber(MIN_PASSWORD_CHARS, currentLanguage()) }) },
    { key: "mix", met: letters && others, text: t("auth.policy.mix") },
    { key: "username", met: password !== "" && (name.length < 3 || !password.toLowerCase().includes(name)), text: t("auth.policy.username") },
  ];
  return (
    <div data-testid="password-policy">
      <Text size="xs" fw={600} mb={4}>
        {t("auth.policy.title")}
      </Text>
      <ul className={classes.policy}>
        {rules.map((rule) => (
          <li key={rule.key} className={classes.rule} data-met={rule.met || undefined} data-testid={`policy-${rule.key}`}>
            <span className={classes.ruleMark} aria-hidden="true">
              {rule.met ? "✓" : "•"}
            </span>
            {rule.text}
          </li>
        ))}
      </ul>
    </div>
  );
}
