//! The families the desk keeps: found by name as people type it, by mobile number in any form or
//! by file number; each opens beside the list with its consent and messages. Adding and editing
//! are for those who may edit contacts (the core checks anyway).
import { Alert, Button, EmptyState, Group, Loader, Paper, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Loading } from "../../components/Loading";
import { Notice } from "../../components/Notice";
import { PageHeader } from "../../components/PageHeader";
import type { ContactView } from "../../ipc";
import { useErrorText } from "../../lib/errors";
import { useCan } from "../auth/session";
import { ContactFormModal } from "./ContactForm";
import { ContactsTable } from "./ContactsTable";
import { FamilyDrawer } from "./FamilyDrawer";
import { useContactSearch } from "./queries";
import classes from "./ContactsPage.module.css";

/** Long enough to let a name be typed, short enough to feel immediate. */
const SEARCH_DEBOUNCE_MS = 250;

type Dialog = { kind: "new" } | { kind: "edit"; contact: ContactView } | null;

export function ContactsPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const can = useCan();
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query, SEARCH_DEBOUNCE_MS);
  const results = useContactSearch(debounced);
  const [openId, setOpenId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const rows = results.data ?? [];
  const searching = debounced.trim() !== "";

  const saved = (contact: ContactView, created: boolean) => {
    setDialog(null);
    setNotice(t(created ? "contacts.notice.created" : "contacts.notice.updated", { name: contact.name }));
  };
  const noticeBox = notice && (
    <Notice testId="contacts-notice" onClose={() => setNotice(null)}>
      {notice}
    </Notice>
  );

  return (
    <Stack gap={0}>
      <PageHeader
        title={t("contacts.title")}
        subtitle={t("contacts.subtitle")}
        actions={
          can("contact.edit") && (
            <Button
              data-testid="contacts-new"
              onClick={() => {
                setNotice(null);
                setDialog({ kind: "new" });
              }}
            >
              {t("contacts.new")}
            </Button>
          )
        }
      />
      <TextInput
        data-testid="contacts-search"
        type="search"
        size="md"
        mb="md"
        dir="auto"
        aria-label={t("contacts.search.label")}
        placeholder={t("contacts.search.placeholder")}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        leftSection={<SearchIcon />}
        rightSection={results.isFetching && !results.isPending ? <Loader size="xs" /> : null}
        autoComplete="off"
      />
      {/* A save from the open family is said there; otherwise here, above the list. */}
      {openId === null && noticeBox && <div className={classes.notice}>{noticeBox}</div>}
      {results.isError && (
        <Alert color="red" variant="light" radius="md" mb="lg" title={t("common.loadFailed")} data-testid="contacts-load-error">
          <Group justify="space-between">
            <Text size="sm">{errorText(results.error)}</Text>
            <Button size="xs" variant="white" color="red" onClick={() => void results.refetch()}>
              {t("common.retry")}
            </Button>
          </Group>
        </Alert>
      )}
      <Paper withBorder shadow="xs" className={classes.tablePaper}>
        {results.isPending ? (
          <Loading />
        ) : rows.length === 0 ? (
          <EmptyState
            py="3rem"
            data-testid="contacts-empty"
            title={searching ? t("contacts.empty.title") : t("contacts.empty.noneTitle")}
            description={searching ? t("contacts.empty.description") : t("contacts.empty.noneDescription")}
          />
        ) : (
          <Table.ScrollContainer minWidth="48rem">
            <ContactsTable
              rows={rows}
              onOpen={(id) => {
                setNotice(null);
                setOpenId(id);
              }}
            />
          </Table.ScrollContainer>
        )}
      </Paper>

      <FamilyDrawer
        guardianId={openId}
        onClose={() => {
          setOpenId(null);
          setNotice(null);
        }}
        onEdit={(contact) => {
          setNotice(null);
          setDialog({ kind: "edit", contact });
        }}
        notice={noticeBox}
      />
      {/* Fresh for each family: what a dialog holds never leaks into the next one. */}
      {dialog && (
        <ContactFormModal
          key={dialog.kind === "edit" ? dialog.contact.guardianId : "new"}
          contact={dialog.kind === "edit" ? dialog.contact : null}
          onClose={() => setDialog(null)}
          onSaved={saved}
        />
      )}
    </Stack>
  );
}

function SearchIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
      <circle cx="11" cy="11" r="6.5" />
      <path d="m16 16 4.5 4.5" strokeLinecap="round" />
    </svg>
  );
}
