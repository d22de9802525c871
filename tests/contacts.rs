//! Contacts on both databases: families created and edited with every field checked, found by any
//! Arabic spelling of a name, by phone in any Saudi form, by file number; consent per channel,
//! audited; a family's messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use wasel_core::Wasel;
use wasel_core::api::{Caller, ConsentSource, ContactInput, Role, SendSmsInput};
use wasel_core::domain::{Channel, Language};
use wasel_tests::{databases, open, sign_in_as};

fn family(name: &str, name_en: &str, phone: &str, child: &str, file: &str) -> ContactInput {
    ContactInput {
        guardian_id: None,
        name: name.into(),
        name_en: Some(name_en.into()),
        phone: phone.into(),
        email: String::new(),
        language: Language::Ar,
        relationship: Some("الأم".into()),
        tags: vec!["العلاج الطبيعي".into()],
        beneficiary_name: child.into(),
        beneficiary_name_en: None,
        file_number: Some(file.into()),
        programme: Some("برنامج التدخل المبكر".into()),
    }
}

async fn names(wasel: &Wasel, caller: &Caller, query: &str) -> Vec<String> {
    let found = wasel.contacts(caller).search(query, None).await.unwrap();
    let mut names: Vec<String> = found.into_iter().map(|c| c.name).collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_name_is_found_however_the_desk_spells_it() {
    for db in databases().await {
        let wasel = open(&db).await;
        let desk = sign_in_as(&wasel, "huda", &[Role::Reception]).await;
        let contacts = wasel.contacts(&desk);
        contacts
            .save_contact(family("أحمد الشهري", "Ahmad Alshehri", "0555 001 301", "فاطمة", "F-1301"))
            .await
            .unwrap();
        contacts.save_contact(family("مُنى العتيبي", "Muna Alotaibi", "0555001302", "يحيى", "1302")).await.unwrap();
        contacts.save_contact(family("إيمان القحطاني", "Eman", "0555001303", "آمنة", "1303")).await.unwrap();

        let ahmad = vec!["أحمد الشهري".to_owned()];
        for query in [
            "احمد",
            "أحمد",
            "إحمد",
            "أَحْمَد",
            "أحـــمد",
            "احم",
            "شهري",
            "الشهري",
            "احمد الشهري",
            "الشهري احمد",
            "ahmad",
            "ALSHEH",
            "فاطمه",
            "فاطم",
        ] {
            assert_eq!(names(&wasel, &desk, query).await, ahmad, "{query} ({})", db.name);
        }
        assert_eq!(names(&wasel, &desk, "منى").await, vec!["مُنى العتيبي"]);
        assert_eq!(names(&wasel, &desk, "يحيي").await, vec!["مُنى العتيبي"], "ى and ي meet");
        assert_eq!(names(&wasel, &desk, "ايمان").await, vec!["إيمان القحطاني"]);
        assert_eq!(names(&wasel, &desk, "امنه").await, vec!["إيمان القحطاني"]);
        assert!(names(&wasel, &desk, "احمد العتيبي").await.is_empty(), "every word must match");
        // By phone in any Saudi form, by file number.
        for phone in ["0555001301", "+966555001301", "966 55 500 1301", "٠٥٥٥٠٠١٣٠١"] {
            assert_eq!(names(&wasel, &desk, phone).await, ahmad, "{phone}");
        }
        assert_eq!(names(&wasel, &desk, "f-1301").await, ahmad);
        assert_eq!(names(&wasel, &desk, "F 1301").await, ahmad);
        assert_eq!(names(&wasel, &desk, "١٣٠٢").await, vec!["مُنى العتيبي"]);
        // The seeded sandbox families are found too (indexed when Wasel opened).
        assert!(wasel.contacts(&desk).search("", Some(200)).await.unwrap().len() >= 7);
    }
}

#[tokio::test]
async fn a_family_is_checked_before_anything_is_written_and_edits_are_audited() {
    for db in databases().await {
        let wasel = open(&db).await;
        let desk = sign_in_as(&wasel, "huda", &[Role::Reception]).await;
        let nurse = sign_in_as(&wasel, "amal", &[Role::Clinician]).await;
        let contacts = wasel.contacts(&desk);
        let code = |r: wasel_core::Result<_>| r.map(|_: wasel_core::api::ContactView| ()).unwrap_err().payload();
        let mut bad = family("", "", "0555001401", "ريم", "1401");
        assert_eq!(
            code(contacts.save_contact(bad.clone()).await).params.get("field").map(String::as_str),
            Some("name")
        );
        bad.name = "نورة".into();
        bad.phone = "12345".into();
        assert_eq!(code(contacts.save_contact(bad.clone()).await).code, "phone.invalid");
        bad.phone = "0112345678".into();
        assert_eq!(code(contacts.save_contact(bad.clone()).await).code, "phone.not_mobile");
        bad.phone = "0555001401".into();
        bad.email = "not-an-address".into();
        assert_eq!(code(contacts.save_contact(bad.clone()).await).code, "email.invalid");
        bad.email = String::new();
        let first = contacts.save_contact(bad.clone()).await.unwrap();
        assert_eq!(first.phone.as_deref(), Some("+966555001401"));
        assert_eq!(first.tags, vec!["العلاج الطبيعي"]);
        let second = family("سارة", "Sara", "0555001402", "ليان", "1401");
        assert_eq!(code(contacts.save_contact(second).await).code, "contact.file_number_taken");
        assert!(names(&wasel, &desk, "0555001402").await.is_empty(), "a refused family was written");

        // An edit changes the search words too.
        let edit = ContactInput {
            guardian_id: Some(first.guardian_id.clone()), name: "نورة الدوسري".into(), ..bad
        };
        contacts.save_contact(edit).await.unwrap();
        assert_eq!(names(&wasel, &desk, "نوره دوسري").await, vec!["نورة الدوسري"]);
        assert_eq!(
            wasel.contacts(&nurse).save_contact(family("x", "", "", "y", "")).await.unwrap_err().code(),
            "auth.forbidden"
        );

        // Consent per channel, audited with its source; the family view shows it and the messages.
        let consents =
            contacts.set_consent(&first.guardian_id, Channel::Sms, false, ConsentSource::Form).await.unwrap();
        assert_eq!((consents.len(), consents[0].opted_in, consents[0].source.as_str()), (1, false, "form"));
        contacts.set_consent(&first.guardian_id, Channel::Whatsapp, true, ConsentSource::Operator).await.unwrap();
        let sms = SendSmsInput {
            to: String::new(),
            body: "تذكير".into(),
            guardian_id: Some(first.guardian_id.clone()),
            idempotency_key: None,
            send_at: None,
            expires_at: None,
            urgent: None,
        };
        wasel.messaging(&desk).send_sms(sms).await.unwrap();
        let view = wasel.contacts(&nurse).family(&first.guardian_id).await.unwrap();
        assert_eq!(view.consents.len(), 2);
        assert_eq!(view.messages.len(), 1);
        assert_eq!(view.contact.file_number.as_deref(), Some("1401"));
        let trail = wasel_core::audit::for_entity(wasel.db(), "guardian", &first.guardian_id).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["contact.create", "contact.update", "contact.consent", "contact.consent"], "{}", db.name);
        assert!(
            trail.iter().all(|r| !format!("{r:?}").contains("555001401")),
            "a phone number was copied into the trail"
        );
    }
}
