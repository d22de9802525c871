//! A new family, or changes to one: the guardian, then the beneficiary. A refusal is shown at the
//! field it is about (a name, the phone, the email, the file number) and nothing typed is lost.
import { Fieldset, Input, SegmentedControl, SimpleGrid, TagsInput, TextInput } from "@mantine/core";
import { useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import { FormDialog } from "../../components/FormDialog";
import type { ContactInput, ContactView, ErrorPayload, Language } from "../../ipc";
import { errorField, paramField, useFormError } from "../../lib/errors";
import { NameField } from "../auth/fields";
import { useSaveContact } from "./queries";
import classes from "./ContactsPage.module.css";

type Draft = {
  name: string;
  nameEn: string;
  phone: string;
  email: string;
  language: Language;
  relationship: string;
  tags: string[];
  beneficiaryName: string;
  beneficiaryNameEn: string;
  fileNumber: string;
  programme: string;
};

type Field = keyof Draft;
type TextField = Exclude<Field, "language" | "tags">;

const EMPTY: Draft = {
  name: "",
  nameEn: "",
  phone: "",
  email: "",
  language: "ar",
  relationship: "",
  tags: [],
  beneficiaryName: "",
  beneficiaryNameEn: "",
  fileNumber: "",
  programme: "",
};

function draftOf(c: ContactView | null): Draft {
  if (!c) return EMPTY;
  return {
    name: c.name,
    nameEn: c.nameEn ?? "",
    // As people read it; the backend takes any Saudi form back.
    phone: c.phoneDisplay ?? c.phone ?? "",
    email: c.email ?? "",
    language: c.language,
    relationship: c.relationship ?? "",
    tags: c.tags,
    beneficiaryName: c.beneficiaryName ?? "",
    beneficiaryNameEn: c.beneficiaryNameEn ?? "",
    fileNumber: c.fileNumber ?? "",
    programme: c.programme ?? "",
  };
}

/** `field` names the form field (`name`, `beneficiaryName`, `fileNumber`); phone and email errors carry none. */
function fieldOf(error: ErrorPayload | null): string | null {
  const named = paramField(error);
  if (named) return named;
  const group = errorField(error);
  return group === "phone" || group === "email" ? group : null;
}

const orNull = (s: string) => (s.trim() === "" ? null : s);

type Props = {
  /** `null`: a new family. */
  contact: ContactView | null;
  onClose: () => void;
  onSaved: (saved: ContactView, created: boolean) => void;
};

export function ContactFormModal({ contact, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const save = useSaveContact();
  const form = useFormError(fieldOf);
  const [draft, setDraft] = useState<Draft>(() => draftOf(contact));
  const update = <K extends Field>(field: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [field]: value }));
    form.clear(field);
  };
  /** For `NameField`, which hands back the text. */
  const named = (field: TextField) => ({ value: draft[field], onChange: (v: string) => update(field, v), error: form.at(field) });
  /** A plain input wired like `NameField`: the test id on the input, `<id>-error` on its message. */
  const plain = (field: TextField, testId: string) => ({
    value: draft[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => update(field, e.currentTarget.value),
    error: form.at(field),
    "data-testid": testId,
    errorProps: { "data-testid": `${testId}-error` },
  });

  const submit = () => {
    form.set(null);
    const request: ContactInput = {
      guardianId: contact?.guardianId ?? null,
      name: draft.name,
      nameEn: orNull(draft.nameEn),
      phone: draft.phone,
      email: draft.email,
      language: draft.language,
      relationship: orNull(draft.relationship),
      tags: draft.tags,
      beneficiaryName: draft.beneficiaryName,
      beneficiaryNameEn: orNull(draft.beneficiaryNameEn),
      fileNumber: orNull(draft.fileNumber),
      programme: orNull(draft.programme),
    };
    save.mutate(request, { onSuccess: (saved) => onSaved(saved, contact === null), onError: form.set });
  };

  return (
    <FormDialog
      opened
      size="lg"
      title={contact ? t("contacts.form.titleEdit", { name: contact.name }) : t("contacts.form.titleNew")}
      onClose={onClose}
      busy={save.isPending}
      formTestId="contact-form"
      error={form.general}
      errorTestId="contact-form-error"
      submit={contact ? t("contacts.form.submitEdit") : t("contacts.form.submitNew")}
      submitTestId="contact-submit"
      onSubmit={submit}
    >
      <Fieldset legend={t("contacts.form.guardian")} variant="filled">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <NameField testId="contact-name" label={t("contacts.form.name")} withAsterisk autoComplete="off" data-autofocus {...named("name")} />
          <NameField testId="contact-name-en" label={t("contacts.form.nameEn")} autoComplete="off" {...named("nameEn")} />
          <TextInput
            label={t("contacts.form.phone")}
            description={t("contacts.form.phoneHint")}
            dir="ltr"
            inputMode="tel"
            autoComplete="off"
            classNames={{ input: classes.ltrInput }}
            {...plain("phone", "contact-phone")}
          />
          <TextInput
            label={t("contacts.form.email")}
            dir="ltr"
            type="email"
            autoComplete="off"
            classNames={{ input: classes.ltrInput }}
            {...plain("email", "contact-email")}
          />
          <Input.Wrapper label={t("contacts.form.language")}>
            <SegmentedControl
              fullWidth
              data-testid="contact-language"
              value={draft.language}
              onChange={(value) => update("language", value as Language)}
              data={[
                { value: "ar", label: t("languageName.ar") },
                { value: "en", label: t("languageName.en") },
              ]}
            />
          </Input.Wrapper>
          <TextInput
            label={t("contacts.form.relationship")}
            placeholder={t("contacts.form.relationshipPlaceholder")}
            dir="auto"
            autoComplete="off"
            {...plain("relationship", "contact-relationship")}
          />
        </SimpleGrid>
        <TagsInput
          mt="sm"
          data-testid="contact-tags"
          label={t("contacts.form.tags")}
          description={t("contacts.form.tagsHint")}
          value={draft.tags}
          onChange={(tags) => update("tags", tags)}
          dir="auto"
          clearable
        />
      </Fieldset>
      <Fieldset legend={t("contacts.form.beneficiary")} variant="filled">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <NameField
            testId="contact-beneficiary-name"
            label={t("contacts.form.beneficiaryName")}
            withAsterisk
            autoComplete="off"
            {...named("beneficiaryName")}
          />
          <NameField testId="contact-beneficiary-name-en" label={t("contacts.form.beneficiaryNameEn")} autoComplete="off" {...named("beneficiaryNameEn")} />
          <TextInput
            label={t("contacts.form.fileNumber")}
            dir="ltr"
            autoComplete="off"
            classNames={{ input: classes.ltrInput }}
            {...plain("fileNumber", "contact-file-number")}
          />
          <TextInput
            label={t("contacts.form.programme")}
            placeholder={t("contacts.form.programmePlaceholder")}
            dir="auto"
            autoComplete="off"
            {...plain("programme", "contact-programme")}
          />
        </SimpleGrid>
      </Fieldset>
    </FormDialog>
  );
}
