//! Contacts: the beneficiaries and their guardians as the reception desk keeps them — names in
//! both languages, file number, programme, tags, consent per channel — and search by name as
//! people type it (any alef, ya or ta marbuta, with or without diacritics), by phone in any Saudi
//! form, or by file number. `wasel.contacts(&caller)`.

pub mod api;

use api::{ConsentSource, ConsentView, ContactInput, ContactView, FamilyView};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::context::Contacts;
use crate::domain::search::{fold, terms};
use crate::domain::{Channel, EmailAddress, Language, Operation, PhoneE164};
use crate::error::{Error, Result};
use crate::store::Db;
use crate::store::queries::contacts::{self as q, ContactRow};
use crate::store::queries::messages;

/// The most contacts one search answers.
const MAX_RESULTS: i64 = 200;

fn view(r: ContactRow) -> ContactView {
    let phone_display = r.phone_e164.clone().map(|p| PhoneE164::from_stored(p).display());
    ContactView {
        guardian_id: r.guardian_id.to_string(),
        name: r.full_name,
        name_en: r.full_name_en,
        phone: r.phone_e164,
        phone_display,
        email: r.email,
        language: Language::parse(&r.preferred_language).unwrap_or(Language::Ar),
        relationship: r.relationship,
        tags: r.tags.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        beneficiary_id: r.beneficiary_id.map(|b| b.to_string()),
        beneficiary_name: r.beneficiary_name,
        beneficiary_name_en: r.beneficiary_name_en,
        file_number: r.file_number,
        programme: r.programme,
        updated_at: r.updated_at,
    }
}

/// A file number as stored and compared: `f-2001`, `F 2001` and `F٢٠٠١` are all `F2001`.
fn file_number_key(raw: &str) -> String {
    fold(raw).replace(' ', "").to_uppercase()
}

fn guardian(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| Error::invalid("guardian.not_found"))
}

fn field(code: &'static str, field: &'static str) -> Error {
    Error::Invalid { code, params: vec![("field", field.into())] }
}

/// The words a guardian is found by: their names and their beneficiary's, in both languages.
fn words_of(r: &ContactRow) -> Vec<String> {
    let names =
        [Some(&r.full_name), r.full_name_en.as_ref(), r.beneficiary_name.as_ref(), r.beneficiary_name_en.as_ref()];
    let mut out: Vec<String> = Vec::new();
    for name in names.into_iter().flatten() {
        for t in terms(name) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

impl Contacts<'_> {
    /// Contacts matching what was typed: a phone number in any Saudi form, a file number, or
    /// words of a name (each word matches the start of a name's word). Empty: the first ones.
    pub async fn search(&self, query: &str, limit: Option<u32>) -> Result<Vec<ContactView>> {
        self.allow(Operation::ViewGuardians)?;
        let limit = i64::from(limit.unwrap_or(50)).clamp(1, MAX_RESULTS);
        let folded = fold(query);
        if folded.is_empty() {
            return Ok(q::first(&self.db, limit).await?.into_iter().map(view).collect());
        }
        if let Ok(phone) = PhoneE164::parse_mobile(query) {
            return Ok(q::by_phone(&self.db, phone.as_str(), limit).await?.into_iter().map(view).collect());
        }
        if folded.chars().any(|c| c.is_ascii_digit()) {
            let by_file = q::by_file_number(&self.db, &file_number_key(query), limit).await?;
            if !by_file.is_empty() {
                return Ok(by_file.into_iter().map(view).collect());
            }
        }
        let words: Vec<String> = folded.split(' ').map(str::to_owned).collect();
        let rows = q::by_terms(&self.db, &words, limit).await?;
        Ok(rows.into_iter().map(view).collect())
    }

    /// One family: the contact, consent per channel, the newest 50 messages sent to them.
    pub async fn family(&self, guardian_id: &str) -> Result<FamilyView> {
        self.allow(Operation::ViewGuardians)?;
        let id = guardian(guardian_id)?;
        let row = q::get(&self.db, id).await?.ok_or_else(|| Error::invalid("guardian.not_found"))?;
        let consents = self.consent_views(id).await?;
        let sent = messages::of_guardian(&self.db, id, 50).await?;
        Ok(FamilyView {
            contact: view(row),
            consents,
            messages: sent.into_iter().map(crate::messaging::to_view).collect(),
        })
    }

    /// Creates a family (a beneficiary and a guardian) or saves changes to one; every field is
    /// checked first, so nothing is written when one is wrong. Audited with the fields changed
    /// (not their values: the trail is not a second copy of the families' data).
    pub async fn save_contact(&self, input: ContactInput) -> Result<ContactView> {
        self.allow(Operation::EditContacts)?;
        let name = input.name.trim();
        if name.is_empty() {
            return Err(field("contact.name_required", "name"));
        }
        let beneficiary_name = input.beneficiary_name.trim();
        if beneficiary_name.is_empty() {
            return Err(field("contact.name_required", "beneficiaryName"));
        }
        let phone = match input.phone.trim() {
            "" => None,
            p => Some(PhoneE164::parse_mobile(p)?),
        };
        let email = match input.email.trim() {
            "" => None,
            e => Some(EmailAddress::parse(e)?),
        };
        let file_number = input.file_number.as_deref().map(file_number_key).filter(|f| !f.is_empty());
        let tags: Vec<String> =
            input.tags.iter().map(|t| t.trim().replace(',', " ")).filter(|t| !t.is_empty()).collect();
        let tags = tags.join(",");
        let trimmed = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let (name_en, beneficiary_en) = (trimmed(&input.name_en), trimmed(&input.beneficiary_name_en));
        let (relationship, programme) = (trimmed(&input.relationship), trimmed(&input.programme));
        let g = q::GuardianFields {
            full_name: name,
            full_name_en: name_en.as_deref(),
            phone_e164: phone.as_ref().map(|p| p.as_str()),
            email: email.as_ref().map(|e| e.as_str()),
            language: input.language.as_str(),
            relationship: relationship.as_deref(),
            tags: &tags,
        };
        let b = q::BeneficiaryFields {
            full_name: beneficiary_name,
            full_name_en: beneficiary_en.as_deref(),
            file_number: file_number.as_deref(),
            programme: programme.as_deref(),
        };
        let existing = match input.guardian_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(id) => {
                Some(q::get(&self.db, guardian(id)?).await?.ok_or_else(|| Error::invalid("guardian.not_found"))?)
            }
            None => None,
        };
        let mut tx = self.db.begin().await?;
        let beneficiary_id = existing.as_ref().and_then(|e| e.beneficiary_id);
        if let Some(f) = &file_number
            && q::file_number_taken(&mut tx, f, beneficiary_id).await?
        {
            return Err(field("contact.file_number_taken", "fileNumber"));
        }
        let (id, action) = match &existing {
            Some(row) => {
                q::update_guardian(&mut tx, row.guardian_id, &g).await?;
                match row.beneficiary_id {
                    Some(b_id) => q::update_beneficiary(&mut tx, b_id, &b).await?,
                    None => {
                        let b_id = Uuid::now_v7();
                        q::insert_beneficiary(&mut tx, b_id, &b).await?;
                    }
                }
                (row.guardian_id, "contact.update")
            }
            None => {
                let (b_id, g_id) = (Uuid::now_v7(), Uuid::now_v7());
                q::insert_beneficiary(&mut tx, b_id, &b).await?;
                q::insert_guardian(&mut tx, g_id, b_id, &g).await?;
                (g_id, "contact.create")
            }
        };
        let fresh = ContactRow {
            guardian_id: id,
            full_name: name.to_owned(),
            full_name_en: name_en,
            beneficiary_name: Some(beneficiary_name.to_owned()),
            beneficiary_name_en: beneficiary_en,
            ..existing.clone().unwrap_or_else(|| empty_row(id))
        };
        q::set_terms(&mut tx, id, &words_of(&fresh)).await?;
        let changed = changed_fields(existing.as_ref(), &input);
        let entry = Entry::by(self.caller(), action, "guardian", Some(id.to_string()))
            .change(None, Some(serde_json::json!({ "fields": changed })));
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        q::get(&self.db, id).await?.map(view).ok_or_else(|| Error::invalid("guardian.not_found"))
    }

    pub async fn set_consent(
        &self,
        guardian_id: &str,
        channel: Channel,
        opted_in: bool,
        source: ConsentSource,
    ) -> Result<Vec<ConsentView>> {
        self.allow(Operation::EditContacts)?;
        let id = guardian(guardian_id)?;
        q::get(&self.db, id).await?.ok_or_else(|| Error::invalid("guardian.not_found"))?;
        let before = q::consents(&self.db, id).await?.into_iter().find(|c| c.channel == channel.as_str());
        let mut tx = self.db.begin().await?;
        q::set_consent(&mut tx, id, channel.as_str(), opted_in, source.as_str(), &self.caller().name()).await?;
        let entry = Entry::by(self.caller(), "contact.consent", "guardian", Some(id.to_string())).change(
            before.map(|c| serde_json::json!({ "channel": c.channel, "opted_in": c.opted_in, "source": c.source })),
            Some(serde_json::json!({ "channel": channel.as_str(), "opted_in": opted_in, "source": source.as_str() })),
        );
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        self.consent_views(id).await
    }

    async fn consent_views(&self, id: Uuid) -> Result<Vec<ConsentView>> {
        Ok(q::consents(&self.db, id)
            .await?
            .into_iter()
            .filter_map(|c| {
                Some(ConsentView {
                    channel: Channel::parse(&c.channel)?,
                    opted_in: c.opted_in,
                    source: c.source,
                    changed_at: c.changed_at,
                    changed_by: c.changed_by,
                })
            })
            .collect())
    }
}

fn empty_row(id: Uuid) -> ContactRow {
    ContactRow {
        guardian_id: id,
        full_name: String::new(),
        full_name_en: None,
        phone_e164: None,
        email: None,
        preferred_language: "ar".into(),
        relationship: None,
        tags: String::new(),
        beneficiary_id: None,
        beneficiary_name: None,
        beneficiary_name_en: None,
        file_number: None,
        programme: None,
        updated_at: crate::store::now(),
    }
}

fn changed_fields(before: Option<&ContactRow>, after: &ContactInput) -> Vec<&'static str> {
    let Some(b) = before else { return vec!["created"] };
    let differs = |a: Option<&str>, b: Option<&str>| a.map(str::trim).filter(|s| !s.is_empty()) != b;
    let mut out = Vec::new();
    if b.full_name != after.name.trim() {
        out.push("name");
    }
    if differs(after.name_en.as_deref(), b.full_name_en.as_deref()) {
        out.push("nameEn");
    }
    if PhoneE164::parse_mobile(&after.phone).ok().map(|p| p.to_string()) != b.phone_e164 {
        out.push("phone");
    }
    if differs(Some(&after.email), b.email.as_deref()) {
        out.push("email");
    }
    if after.language.as_str() != b.preferred_language {
        out.push("language");
    }
    if b.beneficiary_name.as_deref() != Some(after.beneficiary_name.trim()) {
        out.push("beneficiaryName");
    }
    if differs(after.file_number.as_deref(), b.file_number.as_deref()) {
        out.push("fileNumber");
    }
    out
}

/// Gives search words to guardians that have none (made before search existed, or seeded), in
/// batches; run at start.
pub(crate) async fn index_missing(db: &Db) -> Result<u64> {
    let mut done = 0;
    loop {
        let ids = q::unindexed(db, 500).await?;
        if ids.is_empty() {
            return Ok(done);
        }
        let mut tx = db.begin().await?;
        for id in &ids {
            if let Some(row) = q::get(db, *id).await? {
                let mut words = words_of(&row);
                if words.is_empty() {
                    // Nothing to find it by; a marker keeps it from being picked up again.
                    words.push(String::from("\u{1}"));
                }
                q::set_terms(&mut tx, *id, &words).await?;
                done += 1;
            }
        }
        tx.commit().await?;
    }
}
