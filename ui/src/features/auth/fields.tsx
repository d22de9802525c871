//! The fields a person types their name and password into, wired alike everywhere: the test id on
//! the input and `<id>-error` on its message; names in either script, passwords left to right.
import { PasswordInput, TextInput, type PasswordInputProps, type TextInputProps } from "@mantine/core";
import type { Ref } from "react";
import { useTranslation } from "react-i18next";
import { PasswordPolicy } from "./PasswordPolicy";
import classes from "./Auth.module.css";

type Wired<P> = Omit<P, "value" | "onChange"> & { testId: string; value: string; onChange: (value: string) => void };

/** A username or a display name: Arabic or Latin, so the direction follows what is typed. */
export function NameField({ testId, onChange, ...props }: Wired<TextInputProps>) {
  return (
    <TextInput
      data-testid={testId}
      errorProps={{ "data-testid": `${testId}-error` }}
      onChange={(e) => onChange(e.currentTarget.value)}
      dir="auto"
      {...props}
    />
  );
}

/** A username being chosen, with the rule it must follow under its label. */
export function NewUsernameField(props: Wired<TextInputProps>) {
  const { t } = useTranslation();
  return <NameField description={t("auth.firstRun.usernameHint")} withAsterisk {...props} />;
}

type PasswordFieldProps = Wired<PasswordInputProps> & { ref?: Ref<HTMLInputElement> };

/** A password, left to right in either language, with a show/hide toggle that says what it does. */
export function PasswordField({ testId, onChange, ref, ...props }: PasswordFieldProps) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      ref={ref}
      data-testid={testId}
      errorProps={{ "data-testid": `${testId}-error` }}
      onChange={(e) => onChange(e.currentTarget.value)}
      dir="ltr"
      classNames={{ input: classes.ltrInput }}
      visibilityToggleButtonProps={{ "aria-label": t("auth.showPassword") }}
      {...props}
    />
  );
}

/** A password being chosen, with the policy ticked off under it as it is typed. */
export function NewPasswordField({ username, ...props }: PasswordFieldProps & { username: string }) {
  return (
    <>
      <PasswordField autoComplete="new-password" withAsterisk {...props} />
      <PasswordPolicy password={props.value} username={username} />
    </>
  );
}
