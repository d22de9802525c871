//! The families found: guardian, beneficiary and file number, mobile, language and tags; a row
//! (clicked, or Enter on it) opens the family.
import { Badge, Group, Table, Text } from "@mantine/core";
import type { KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Ltr } from "../../components/Ltr";
import type { ContactView } from "../../ipc";
import classes from "./ContactsPage.module.css";

export function ContactsTable({ rows, onOpen }: { rows: ContactView[]; onOpen: (guardianId: string) => void }) {
  const { t } = useTranslation();
  const none = t("common.none");
  const onKeyDown = (id: string) => (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onOpen(id);
    }
  };

  return (
    <Table data-testid="contacts-table" highlightOnHover verticalSpacing="sm" horizontalSpacing="md" className={classes.table}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("contacts.columns.guardian")}</Table.Th>
          <Table.Th>{t("contacts.columns.beneficiary")}</Table.Th>
          <Table.Th>{t("contacts.columns.phone")}</Table.Th>
          <Table.Th>{t("contacts.columns.language")}</Table.Th>
          <Table.Th>{t("contacts.columns.tags")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((c) => (
          <Table.Tr
            key={c.guardianId}
            data-testid="contact-row"
            data-id={c.guardianId}
            className={classes.row}
            tabIndex={0}
            aria-label={t("contacts.openFamily", { name: c.name })}
            onClick={() => onOpen(c.guardianId)}
            onKeyDown={onKeyDown(c.guardianId)}
          >
            <Table.Td>
              <Text size="sm" fw={500} dir="auto" className={classes.matchParent} data-testid="contact-name-cell">
                {c.name}
              </Text>
              {c.nameEn && (
                <Text size="xs" c="dimmed" dir="auto" className={classes.matchParent}>
                  {c.nameEn}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Text size="sm" dir="auto" className={classes.matchParent}>
                {c.beneficiaryName ?? none}
              </Text>
              {c.fileNumber && (
                <Text size="xs" c="dimmed" data-testid="contact-file">
                  {t("contacts.fileNumber", { number: c.fileNumber })}
                </Text>
              )}
            </Table.Td>
            <Table.Td className={classes.nowrap}>
              <Text size="sm">{c.phoneDisplay ? <Ltr testId="contact-phone-cell">{c.phoneDisplay}</Ltr> : none}</Text>
            </Table.Td>
            <Table.Td className={classes.nowrap}>
              <Text size="sm">{t(`languageName.${c.language}`)}</Text>
            </Table.Td>
            <Table.Td>
              {c.tags.length > 0 ? (
                <Group gap={4}>
                  {c.tags.map((tag) => (
                    <Badge key={tag} size="sm" variant="light" color="gray" tt="none" data-testid="contact-tag">
                      {tag}
                    </Badge>
                  ))}
                </Group>
              ) : (
                <Text size="sm" c="dimmed">
                  {none}
                </Text>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
