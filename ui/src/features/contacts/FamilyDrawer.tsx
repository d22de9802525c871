//! One family, beside the list: the guardian and beneficiary as the desk keeps them, consent per
//! channel, and the messages sent to them (each opens as on the Messages screen).
import { Alert, Badge, Button, DataList, Drawer, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Loading } from "../../components/Loading";
import { Ltr } from "../../components/Ltr";
import { currentLanguage } from "../../i18n";
import type { ContactView, FamilyView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useCan } from "../auth/session";
import { MessageDrawer } from "../messages/MessageDrawer";
import { MessageTable, type MessageColumn } from "../messages/MessageTable";
import { ConsentPanel } from "./ConsentPanel";
import { useFamily } from "./queries";

const MESSAGE_COLUMNS: readonly MessageColumn[] = ["time", "channel", "body", "status"];

type Props = {
  guardianId: string | null;
  onClose: () => void;
  onEdit: (contact: ContactView) => void;
  /** Said at the top (a save made from here), until closed. */
  notice?: ReactNode;
};

export function FamilyDrawer({ guardianId, onClose, onEdit, notice }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const family = useFamily(guardianId);

  return (
    // `right` is the inline end: Mantine mirrors drawer positions in RTL.
    <Drawer
      opened={guardianId !== null}
      onClose={onClose}
      position="right"
      size="40rem"
      title={t("contacts.family.title")}
      styles={{ title: { fontWeight: 700, fontSize: "var(--mantine-font-size-lg)" } }}
      closeButtonProps={{ "aria-label": t("common.close") }}
      data-testid="contact-family"
    >
      {family.isPending ? (
        <Loading />
      ) : family.isError ? (
        <Alert color="red" variant="light" radius="md" title={t("common.loadFailed")} data-testid="contact-family-error">
          {errorText(family.error)}
        </Alert>
      ) : (
        <Family family={family.data} onEdit={onEdit} notice={notice} />
      )}
    </Drawer>
  );
}

function Family({ family, onEdit, notice }: { family: FamilyView; onEdit: (c: ContactView) => void; notice?: ReactNode }) {
  const { t } = useTranslation();
  const can = useCan();
  const c = family.contact;
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2}>
          <Title order={3} fz="lg" dir="auto" data-testid="family-name">
            {c.name}
          </Title>
          {c.nameEn && (
            <Text size="sm" c="dimmed" dir="auto">
              {c.nameEn}
            </Text>
          )}
        </Stack>
        {can("contact.edit") && (
          <Button size="xs" variant="light" onClick={() => onEdit(c)} data-testid="contact-edit">
            {t("contacts.family.edit")}
          </Button>
        )}
      </Group>
      {notice}
      <ContactDetails contact={c} />
      <ConsentPanel contact={c} consents={family.consents} />
      <FamilyMessages family={family} />
    </Stack>
  );
}

function ContactDetails({ contact: c }: { contact: ContactView }) {
  const { t } = useTranslation();
  const none = t("common.none");
  return (
    <DataList size="sm" orientation="horizontal" labelWidth="10rem" gap="xs" styles={{ itemValue: { minWidth: 0, overflowWrap: "anywhere" } }}>
      <Item label={t("contacts.family.phone")}>{c.phoneDisplay ? <Ltr testId="family-phone">{c.phoneDisplay}</Ltr> : none}</Item>
      <Item label={t("contacts.family.email")}>{c.email ? <Ltr>{c.email}</Ltr> : none}</Item>
      <Item label={t("contacts.family.language")}>{t(`languageName.${c.language}`)}</Item>
      <Item label={t("contacts.family.relationship")}>{c.relationship ?? none}</Item>
      <Item label={t("contacts.family.tags")}>
        {c.tags.length > 0 ? (
          <Group gap={4}>
            {c.tags.map((tag) => (
              <Badge key={tag} size="sm" variant="light" color="gray" tt="none">
                {tag}
              </Badge>
            ))}
          </Group>
        ) : (
          none
        )}
      </Item>
      <Item label={t("contacts.family.beneficiary")}>
        {c.beneficiaryName ? (
          <Stack gap={0}>
            <span>{c.beneficiaryName}</span>
            {c.beneficiaryNameEn && (
              <Text span size="xs" c="dimmed" dir="auto">
                {c.beneficiaryNameEn}
              </Text>
            )}
          </Stack>
        ) : (
          none
        )}
      </Item>
      <Item label={t("contacts.family.fileNumber")}>{c.fileNumber ? <Ltr testId="family-file-number">{c.fileNumber}</Ltr> : none}</Item>
      <Item label={t("contacts.family.programme")}>{c.programme ?? none}</Item>
      <Item label={t("contacts.family.updatedAt")}>{formatDateTime(c.updatedAt, currentLanguage())}</Item>
    </DataList>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

function FamilyMessages({ family }: { family: FamilyView }) {
  const { t } = useTranslation();
  const [openId, setOpenId] = useState<string | null>(null);
  const open = family.messages.find((m) => m.id === openId) ?? null;
  return (
    <Stack gap="xs">
      <Title order={4} fz="md">
        {t("contacts.family.messages")}
      </Title>
      {family.messages.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="family-messages-empty">
          {t("contacts.family.messagesEmpty")}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth="30rem">
          <MessageTable
            rows={family.messages}
            columns={MESSAGE_COLUMNS}
            onOpen={setOpenId}
            testId="family-messages"
            rowTestId="family-message-row"
          />
        </Table.ScrollContainer>
      )}
      <MessageDrawer message={open} onClose={() => setOpenId(null)} />
    </Stack>
  );
}
