//! What Twilio's three products (SMS, WhatsApp, voice) share: one account with Basic auth on the
//! `2010-04-01` API, and one error body (`{"code": 21211, "message": "…"}`), classified by the
//! codes each product singles out and otherwise by the HTTP status.

use serde::Deserialize;

use crate::providers::{ProviderError, retry_after};

#[derive(Clone)]
pub struct TwilioAccount {
    http: reqwest::Client,
    base_url: String,
    account_sid: String,
    auth_token: String,
}

impl std::fmt::Debug for TwilioAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("TwilioAccount")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .finish()
    }
}

impl TwilioAccount {
    pub fn new(http: reqwest::Client, base_url: &str, account_sid: &str, auth_token: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
        }
    }

    pub fn sid(&self) -> &str {
        &self.account_sid
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `{base}/2010-04-01/Accounts/{sid}/{resource}`, e.g. `Messages.json`.
    pub fn url(&self, resource: &str) -> String {
        format!("{}/2010-04-01/Accounts/{}/{resource}", self.base_url, self.account_sid)
    }

    /// A GET with the account's credentials (any Twilio host: the Content API has its own).
    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.get(url).basic_auth(&self.account_sid, Some(&self.auth_token))
    }

    pub fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.post(url).basic_auth(&self.account_sid, Some(&self.auth_token))
    }

    /// GETs one resource (a message, a call): `None` when Twilio does not know it, else its JSON
    /// and the HTTP status. Errors are read by [`error_from`] with the product's `codes`.
    pub async fn fetch<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        codes: fn(u32, u16) -> Option<ProviderError>,
    ) -> Result<Option<(T, u16)>, ProviderError> {
        let response = crate::providers::send(self.get(url)).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let http_status = response.status().as_u16();
        if !response.status().is_success() {
            return Err(error_from(response, codes).await);
        }
        Ok(Some((crate::providers::read_json(response).await?, http_status)))
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<u32>,
    message: Option<String>,
}

/// Reads a Twilio error answer. `specific` maps the codes a product singles out (given the code
/// and the HTTP status); the rest are read by their HTTP status. `Retry-After` is kept on a rate
/// limit either way.
pub async fn error_from(response: reqwest::Response, specific: fn(u32, u16) -> Option<ProviderError>) -> ProviderError {
    let status = response.status().as_u16();
    let wait = retry_after(response.headers());
    let body: Option<ErrorBody> = response.json().await.ok();
    let code = body.as_ref().and_then(|b| b.code);
    let message = body.and_then(|b| b.message).unwrap_or_default();
    match code.and_then(|c| specific(c, status)) {
        Some(ProviderError::RateLimited { http_status, provider_code, .. }) => {
            ProviderError::RateLimited { http_status, provider_code, retry_after: wait }
        }
        Some(error) => error,
        None => ProviderError::from_http(status, code.map(|c| c.to_string()), message, wait),
    }
}
