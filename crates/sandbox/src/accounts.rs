//! Each provider's sandbox account: the simulators' own credentials, and their address as the
//! provider's `base_url`.

use wasel_core::sandbox::Values;

/// The simulators' own credentials for each provider (the sandbox).
pub(crate) async fn account(id: &str, url: &str, http: &reqwest::Client) -> Values {
    let pairs: Vec<(&str, String)> = match id {
        "twilio" => vec![
            ("account_sid", wasel_sim::twilio::SANDBOX_ACCOUNT_SID.into()),
            ("auth_token", wasel_sim::twilio::SANDBOX_AUTH_TOKEN.into()),
            ("from", wasel_sim::twilio::SANDBOX_FROM.into()),
        ],
        "twilio_voice" => vec![
            ("account_sid", wasel_sim::twilio::SANDBOX_ACCOUNT_SID.into()),
            ("auth_token", wasel_sim::twilio::SANDBOX_AUTH_TOKEN.into()),
            ("from", wasel_sim::twilio::SANDBOX_NUMBER.into()),
        ],
        "twilio_whatsapp" => vec![
            ("account_sid", wasel_sim::twilio::SANDBOX_ACCOUNT_SID.into()),
            ("auth_token", wasel_sim::twilio::SANDBOX_AUTH_TOKEN.into()),
            ("from", format!("whatsapp:{}", wasel_sim::twilio::SANDBOX_NUMBER)),
            ("content_base_url", url.to_owned()),
        ],
        "taqnyat" => vec![
            ("token", wasel_sim::taqnyat::SANDBOX_BEARER_TOKEN.into()),
            ("sender", wasel_sim::taqnyat::SANDBOX_SENDER.into()),
        ],
        "msegat" => vec![
            ("user_name", wasel_sim::msegat::SANDBOX_USERNAME.into()),
            ("api_key", wasel_sim::msegat::SANDBOX_API_KEY.into()),
            ("sender", wasel_sim::msegat::SANDBOX_SENDER.into()),
        ],
        "meta" => {
            let d = wasel_sim::meta::MetaOptions::default();
            vec![
                ("phone_number_id", d.phone_number_id),
                ("waba_id", d.waba_id),
                ("access_token", d.access_token),
                ("app_secret", d.app_secret),
                ("verify_token", d.verify_token),
                ("api_version", d.api_version),
            ]
        }
        "smtp" => {
            let port = smtp_port(url, http).await;
            vec![
                ("host", "127.0.0.1".into()),
                ("port", port.to_string()),
                ("security", "none".into()),
                ("username", wasel_sim::smtp::SANDBOX_USERNAME.into()),
                ("password", wasel_sim::smtp::SANDBOX_PASSWORD.into()),
                ("from_address", "noreply@wasel.example".into()),
                ("from_name", "مركز واصل".into()),
            ]
        }
        "fcm" => {
            let account = http
                .get(format!("{url}/_sim/fcm/service-account"))
                .send()
                .await
                .ok()
                .and_then(|r| r.error_for_status().ok());
            let json = match account {
                Some(r) => r.text().await.unwrap_or_default(),
                None => String::new(),
            };
            vec![("service_account_json", json)]
        }
        "onesignal" => vec![
            ("app_id", wasel_sim::onesignal::SANDBOX_APP_ID.into()),
            ("api_key", wasel_sim::onesignal::SANDBOX_API_KEY.into()),
        ],
        _ => Vec::new(),
    };
    let mut values: Values = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    values.insert("base_url".into(), url.to_owned());
    values
}

/// The SMTP sink's port, from the simulators' health answer.
async fn smtp_port(url: &str, http: &reqwest::Client) -> u16 {
    let health = http.get(format!("{url}/_sim/health")).send().await.ok();
    let json: Option<serde_json::Value> = match health {
        Some(r) => r.json().await.ok(),
        None => None,
    };
    json.and_then(|j| j.get("smtp_port").and_then(serde_json::Value::as_u64))
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(25)
}
