//! Users, sign-in and who may do what, on both databases: the first admin, the password policy,
//! lockout, disabled users, the idle lock, every operation refused to a role the table does not
//! allow, and the audit trail that records it all and shows tampering.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use wasel_core::api::{
    AuditFilterInput, Caller, LoginInput, NewUserInput, Operation, OperatorAction, Origin, Role, SYSTEM,
    SecuritySettings, SendSmsInput, SmsDraft,
};
use wasel_core::domain::Channel;
use wasel_core::{Wasel, on_db};
use wasel_tests::{TEST_PASSWORD, databases, open, sign_in_as};

fn code<T>(r: wasel_core::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.code().to_owned(),
    }
}

fn new_user(username: &str, password: &str, roles: &[Role]) -> NewUserInput {
    NewUserInput {
        username: username.into(),
        display_name: String::new(),
        password: password.into(),
        roles: roles.to_vec(),
    }
}

fn login(username: &str, password: &str) -> LoginInput {
    LoginInput { username: username.into(), password: password.into() }
}

async fn actions(wasel: &Wasel) -> Vec<String> {
    let filter = AuditFilterInput { limit: Some(1000), ..Default::default() };
    let rows = wasel.audit_trail(&SYSTEM).entries(filter).await.unwrap();
    rows.into_iter().rev().map(|r| r.action).collect()
}

#[tokio::test]
async fn the_first_admin_is_created_once_and_a_weak_password_creates_nothing() {
    for db in databases().await {
        let wasel = open(&db).await;
        let auth = wasel.auth();
        assert!(auth.needs_first_admin().await.unwrap(), "{}", db.name);
        for (password, expected) in [
            ("short1", "password.too_short"),
            ("onlyletterslong", "password.too_simple"),
            ("amal-desk-2026", "password.contains_username"),
        ] {
            let refused = auth.create_first_admin(new_user("amal", password, &[]), Origin::Console).await;
            assert_eq!(code(refused), expected, "{}", db.name);
        }
        assert_eq!(
            code(auth.create_first_admin(new_user("a b", TEST_PASSWORD, &[]), Origin::Console).await),
            "username.invalid"
        );
        assert!(auth.needs_first_admin().await.unwrap(), "a refused first admin left a user behind");

        let admin = auth.create_first_admin(new_user("Amal", TEST_PASSWORD, &[Role::Reception]), Origin::Console);
        let admin = admin.await.unwrap();
        assert_eq!(admin.roles, vec![Role::Admin], "the first user is an admin whatever the form said");
        assert!(!auth.needs_first_admin().await.unwrap());
        let again = auth.create_first_admin(new_user("mallory", TEST_PASSWORD, &[]), Origin::Console).await;
        assert_eq!(code(again), "auth.first_admin_exists", "{}", db.name);

        // The name is matched however it is typed; the password never reaches the database.
        let signed = auth.login(login(" AMAL ", TEST_PASSWORD), Origin::Console).await.unwrap();
        assert_eq!(signed.session.user.username, "Amal");
        assert!(signed.session.operations.contains(&Operation::ManageUsers));
        let hash: (String,) =
            on_db!(wasel.db(), p => sqlx::query_as("SELECT password_hash FROM users").fetch_one(p).await.unwrap());
        assert!(hash.0.starts_with("$argon2id$") && !hash.0.contains("Harbour"));
        let dump: Vec<(String,)> = on_db!(wasel.db(), p => sqlx::query_as("SELECT COALESCE(after, '') FROM audit_log").fetch_all(p).await.unwrap());
        assert!(dump.iter().all(|(a,)| !a.contains("Harbour")), "a password reached the audit log");
        assert_eq!(actions(&wasel).await, ["user.first_admin", "auth.login"], "{}", db.name);
    }
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_say_the_same_for_unknown_names() {
    for db in databases().await {
        let wasel = open(&db).await;
        wasel.auth().create_first_admin(new_user("amal", TEST_PASSWORD, &[]), Origin::Console).await.unwrap();
        let auth = wasel.auth();
        assert_eq!(code(auth.login(login("nobody", TEST_PASSWORD), Origin::Cli).await), "auth.invalid_credentials");
        for _ in 0..4 {
            assert_eq!(
                code(auth.login(login("amal", "Wrong-Pass-123"), Origin::Console).await),
                "auth.invalid_credentials"
            );
        }
        let fifth = auth.login(login("amal", "Wrong-Pass-123"), Origin::Console).await.unwrap_err();
        assert_eq!(fifth.code(), "auth.account_locked", "{}", db.name);
        assert_eq!(fifth.payload().params.get("minutes").map(String::as_str), Some("15"));
        // Locked: even the right password waits.
        assert_eq!(code(auth.login(login("amal", TEST_PASSWORD), Origin::Console).await), "auth.account_locked");
        let failed = actions(&wasel).await.iter().filter(|a| *a == "auth.login_failed").count();
        assert_eq!(failed, 6, "each failure is audited, the unknown name too ({})", db.name);
        assert!(actions(&wasel).await.contains(&"auth.account_locked".to_owned()));

        // Fifteen minutes later (moved back in the database) the right password works and the
        // count starts again.
        on_db!(wasel.db(), p => sqlx::query("UPDATE users SET locked_until = $1").bind(chrono::Utc::now() - chrono::Duration::seconds(1)).execute(p).await.unwrap().rows_affected());
        auth.login(login("amal", TEST_PASSWORD), Origin::Console).await.unwrap();
        assert_eq!(
            code(auth.login(login("amal", "Wrong-Pass-123"), Origin::Console).await),
            "auth.invalid_credentials"
        );
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_roles_change_at_the_next_call() {
    for db in databases().await {
        let wasel = open(&db).await;
        let admin = sign_in_as(&wasel, "amal", &[Role::Admin]).await;
        let user = wasel.users(&admin).create_user(new_user("huda", TEST_PASSWORD, &[Role::Reception])).await.unwrap();
        let signed = wasel.auth().login(login("huda", TEST_PASSWORD), Origin::Console).await.unwrap();
        let huda = wasel.auth().authenticate(&signed.token, Origin::Console).await.unwrap();
        assert!(huda.may(Operation::SendMessage));

        wasel.users(&admin).set_roles(&user.id, vec![Role::Auditor]).await.unwrap();
        let huda = wasel.auth().authenticate(&signed.token, Origin::Console).await.unwrap();
        assert!(!huda.may(Operation::SendMessage) && huda.may(Operation::ViewAudit), "{}", db.name);

        wasel.users(&admin).set_disabled(&user.id, true).await.unwrap();
        assert_eq!(code(wasel.auth().authenticate(&signed.token, Origin::Console).await), "auth.required");
        assert_eq!(
            code(wasel.auth().login(login("huda", TEST_PASSWORD), Origin::Console).await),
            "auth.account_disabled"
        );
        assert_eq!(
            code(wasel.auth().login(login("huda", "Wrong-Pass-123"), Origin::Console).await),
            "auth.invalid_credentials"
        );
        wasel.users(&admin).set_disabled(&user.id, false).await.unwrap();
        wasel.auth().login(login("huda", TEST_PASSWORD), Origin::Console).await.unwrap();

        // The last admin stays an admin and enabled; nobody disables themselves.
        let me = admin.user_id().unwrap().to_string();
        assert_eq!(code(wasel.users(&admin).set_roles(&me, vec![Role::Reception]).await), "user.last_admin");
        assert_eq!(code(wasel.users(&admin).set_disabled(&me, true).await), "user.disable_self");
        assert_eq!(
            code(wasel.users(&admin).create_user(new_user("amal", TEST_PASSWORD, &[Role::Admin])).await),
            "user.exists"
        );
        assert_eq!(
            code(wasel.users(&admin).create_user(new_user("noura", TEST_PASSWORD, &[])).await),
            "user.roles_required"
        );

        // A reset ends the user's sessions and clears a lockout.
        let before = wasel.auth().login(login("huda", TEST_PASSWORD), Origin::Console).await.unwrap();
        wasel.users(&admin).reset_password(&user.id, "Green-Valley-58".into()).await.unwrap();
        assert_eq!(code(wasel.auth().authenticate(&before.token, Origin::Console).await), "auth.required");
        wasel.auth().login(login("huda", "Green-Valley-58"), Origin::Console).await.unwrap();
        let trail = actions(&wasel).await;
        for action in ["user.create", "user.roles", "user.disable", "user.enable", "user.password_reset"] {
            assert!(trail.contains(&action.to_owned()), "{action} not audited ({})", db.name);
        }
    }
}

#[tokio::test]
async fn an_idle_console_locks_and_only_the_password_unlocks_it() {
    for db in databases().await {
        let wasel = open(&db).await;
        sign_in_as(&wasel, "amal", &[Role::Admin]).await;
        let signed = wasel.auth().login(login("amal", TEST_PASSWORD), Origin::Console).await.unwrap();
        let token = signed.token;
        assert_eq!(signed.session.idle_lock_minutes, 10);
        // Background refreshes do not count as activity: only `activity` moves the clock.
        on_db!(wasel.db(), p => sqlx::query("UPDATE user_sessions SET last_active_at = $1").bind(chrono::Utc::now() - chrono::Duration::minutes(11)).execute(p).await.unwrap().rows_affected());
        assert_eq!(code(wasel.auth().authenticate(&token, Origin::Console).await), "auth.idle_locked", "{}", db.name);
        assert!(wasel.auth().view_of(&token).await.unwrap().unwrap().locked);
        assert_eq!(code(wasel.auth().activity(&token).await), "auth.idle_locked", "activity does not unlock");
        assert_eq!(
            code(wasel.auth().unlock(&token, "Wrong-Pass-123".into(), Origin::Console).await),
            "auth.invalid_credentials"
        );
        let unlocked = wasel.auth().unlock(&token, TEST_PASSWORD.into(), Origin::Console).await.unwrap();
        assert!(!unlocked.locked);
        wasel.auth().authenticate(&token, Origin::Console).await.unwrap();

        // An admin shortens the idle time; the lock can also be asked for.
        let admin = wasel.auth().authenticate(&token, Origin::Console).await.unwrap();
        let short = SecuritySettings { idle_lock_minutes: 1, ..SecuritySettings::default() };
        wasel.settings(&admin).save_security_settings(short).await.unwrap();
        let bad = SecuritySettings { idle_lock_minutes: 0, ..SecuritySettings::default() };
        assert_eq!(code(wasel.settings(&admin).save_security_settings(bad).await), "security.idle_lock_invalid");
        wasel.auth().lock(&token).await.unwrap();
        assert_eq!(code(wasel.auth().authenticate(&token, Origin::Console).await), "auth.idle_locked");
        wasel.auth().logout(&token, Origin::Console).await.unwrap();
        assert_eq!(code(wasel.auth().unlock(&token, TEST_PASSWORD.into(), Origin::Console).await), "auth.required");
        let trail = actions(&wasel).await;
        assert!(trail.contains(&"auth.unlock_failed".to_owned()) && trail.contains(&"auth.logout".to_owned()));
    }
}

/// One call of each operation. The match is exhaustive: a new operation does not compile until
/// it is covered here.
async fn attempt(wasel: &Wasel, caller: &Caller, op: Operation) -> String {
    let missing = uuid::Uuid::now_v7().to_string();
    match op {
        Operation::ComposeMessage => {
            code(wasel.messaging(caller).preview_sms(&SmsDraft { to: "0555000001".into(), body: "x".into() }))
        }
        Operation::SendMessage => {
            let sms = SendSmsInput {
                to: "0555000001".into(),
                body: "موعدكم غدًا".into(),
                guardian_id: None,
                idempotency_key: None,
                send_at: None,
                expires_at: None,
                urgent: None,
            };
            code(wasel.messaging(caller).send_sms(sms).await)
        }
        Operation::ViewMessages => code(wasel.messaging(caller).list_messages(Default::default()).await),
        Operation::ActOnMessage => code(wasel.messaging(caller).act_on_message(&missing, OperatorAction::Cancel).await),
        Operation::ViewGuardians => code(wasel.messaging(caller).list_guardians().await),
        Operation::EditContacts => code(
            wasel
                .contacts(caller)
                .set_consent(&missing, Channel::Sms, true, wasel_core::api::ConsentSource::Operator)
                .await,
        ),
        Operation::ViewProviders => code(wasel.providers(caller).list_providers().await),
        Operation::ManageProviders => code(wasel.providers(caller).set_failover_order(Channel::Sms, Vec::new()).await),
        Operation::TestProviders => code(wasel.providers(caller).test_provider("no-such-provider").await),
        Operation::ViewSettings => code(wasel.settings(caller).outbox_settings().await),
        Operation::ManageSettings => {
            code(wasel.settings(caller).save_security_settings(SecuritySettings::default()).await)
        }
        Operation::ViewSandbox => code(wasel.sandbox_inbox(caller).list(None).await),
        Operation::UseSandbox => code(wasel.sandbox_inbox(caller).clear().await),
        Operation::ManageUsers => code(wasel.users(caller).list_users().await),
        Operation::ViewIdentity => code(wasel.identity(caller).national_id(&missing).await),
        Operation::EditIdentity => code(wasel.identity(caller).set_national_id(&missing, None).await),
        Operation::RotateKeys => code(wasel.identity(caller).key_status().await),
        Operation::ViewAudit => code(wasel.audit_trail(caller).entries(Default::default()).await),
        Operation::ExportAudit => code(wasel.audit_trail(caller).export_csv(Default::default()).await),
        Operation::VerifyAudit => code(wasel.audit_trail(caller).verify().await),
    }
}

#[tokio::test]
async fn every_operation_is_refused_in_the_core_to_every_role_the_table_does_not_name() {
    for db in databases().await {
        let wasel = open(&db).await;
        let mut checked = 0;
        for role in Role::ALL {
            let caller = sign_in_as(&wasel, role.as_str(), &[role]).await;
            for &op in Operation::ALL {
                let got = attempt(&wasel, &caller, op).await;
                let allowed = op.roles().contains(&role);
                assert_eq!(
                    got == "auth.forbidden",
                    !allowed,
                    "{} doing {} gave {got} ({})",
                    role.as_str(),
                    op.as_str(),
                    db.name
                );
                checked += 1;
            }
        }
        let nobody = Caller::anonymous(Origin::Console);
        for &op in Operation::ALL {
            assert_eq!(attempt(&wasel, &nobody, op).await, "auth.required", "{} without signing in", op.as_str());
        }
        assert_eq!(checked, Role::ALL.len() * Operation::ALL.len());
    }
}

#[tokio::test]
async fn the_audit_trail_names_who_did_what_from_where_and_shows_tampering() {
    for db in databases().await {
        let wasel = open(&db).await;
        let auditor = sign_in_as(&wasel, "sara", &[Role::Auditor]).await;
        let desk = sign_in_as(&wasel, "huda", &[Role::Reception]).await;
        let sms = SendSmsInput {
            to: "0555000001".into(),
            body: "موعدكم غدًا".into(),
            guardian_id: None,
            idempotency_key: None,
            send_at: None,
            expires_at: None,
            urgent: None,
        };
        let sent = wasel.messaging(&desk).send_sms(sms).await.unwrap();
        wasel.messaging(&desk).act_on_message(&sent.id, OperatorAction::Cancel).await.unwrap();

        let trail = wasel.audit_trail(&auditor);
        let by_huda =
            trail.entries(AuditFilterInput { user: Some("huda".into()), ..Default::default() }).await.unwrap();
        let acts: Vec<&str> = by_huda.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(acts, ["message.cancel", "message.send", "auth.login"], "newest first ({})", db.name);
        assert!(by_huda.iter().all(|r| r.origin == "console"));
        let auth_only = trail.entries(AuditFilterInput { action: Some("auth.".into()), ..Default::default() }).await;
        assert!(auth_only.unwrap().iter().all(|r| r.action.starts_with("auth.")));
        let on_message =
            AuditFilterInput { entity: Some("message".into()), entity_id: Some(sent.id.clone()), ..Default::default() };
        assert_eq!(trail.entries(on_message).await.unwrap().len(), 2);
        let bad_day = AuditFilterInput { from: Some("2026-13-01".into()), ..Default::default() };
        let bad = trail.entries(bad_day).await.unwrap_err();
        assert_eq!(
            (bad.code(), bad.payload().params.get("field").cloned()),
            ("audit.filter_invalid", Some("from".into()))
        );

        let csv = trail.export_csv(AuditFilterInput { user: Some("huda".into()), ..Default::default() }).await.unwrap();
        assert!(csv.starts_with("\u{feff}seq,at,actor,origin,action") && csv.contains("message.cancel"), "{csv}");
        assert_eq!(csv.lines().count(), 4);
        let exported = trail
            .entries(AuditFilterInput { action: Some("audit.export".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(exported[0].actor, "sara", "the export is audited");

        let intact = trail.verify().await.unwrap();
        assert!(intact.intact && intact.checked >= 7, "{intact:?}");

        // Each kind of tampering is found, at the row where it happened.
        let middle = intact.checked / 2;
        let db_ = wasel.db();
        let check = |seq: i64, problem: &str, v: wasel_core::api::AuditVerification| {
            assert_eq!((v.broken_at, v.problem.as_deref()), (Some(seq), Some(problem)), "{}", db.name);
        };
        on_db!(db_, p => sqlx::query("UPDATE audit_log SET after = '{\"status\":\"sent\"}' WHERE seq = $1").bind(middle).execute(p).await.unwrap().rows_affected());
        check(middle, "content", trail.verify().await.unwrap());
        on_db!(db_, p => sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(middle).execute(p).await.unwrap().rows_affected());
        check(middle + 1, "gap", trail.verify().await.unwrap());
    }
}

#[tokio::test]
async fn rows_swapped_in_the_audit_trail_are_found() {
    for db in databases().await {
        let wasel = open(&db).await;
        let admin = sign_in_as(&wasel, "amal", &[Role::Admin]).await;
        for name in ["huda", "noura", "sara"] {
            wasel.users(&admin).create_user(new_user(name, TEST_PASSWORD, &[Role::Reception])).await.unwrap();
        }
        // Swap the content of rows 2 and 3, keeping their sequence numbers.
        on_db!(wasel.db(), p => sqlx::query("UPDATE audit_log SET seq = -2 WHERE seq = 2").execute(p).await.unwrap().rows_affected());
        on_db!(wasel.db(), p => sqlx::query("UPDATE audit_log SET seq = 2 WHERE seq = 3").execute(p).await.unwrap().rows_affected());
        on_db!(wasel.db(), p => sqlx::query("UPDATE audit_log SET seq = 3 WHERE seq = -2").execute(p).await.unwrap().rows_affected());
        let v = wasel.audit_trail(&admin).verify().await.unwrap();
        assert_eq!(v.broken_at, Some(2), "{} {v:?}", db.name);
        assert_eq!(v.checked, 1);
    }
}
