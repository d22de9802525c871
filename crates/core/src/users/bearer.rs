//! The HTTP API's tokens: a short-lived JWT (HS256, audience `wasel-api`, issuer this
//! installation, the user's operations as its scope, the session it belongs to) and a refresh
//! token that rotates on every use. Each request is checked twice: the JWT's signature, expiry,
//! audience and scope here, and its session and user in the database, so signing out or
//! disabling the user stops the token at once. A refresh token presented a second time means it
//! was copied: every API session of that user ends.

use base64::Engine;
use chrono::Duration;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::api::{ApiTokens, LoginInput};
use super::secrets::{new_token, token_hash};
use crate::audit::{self, Entry};
use crate::context::Auth;
use crate::domain::{Caller, Operation, Origin, Role};
use crate::error::{AuthError, Error, Result};
use crate::secrets;
use crate::store::now;
use crate::store::queries::users as q;

/// How long an access token lasts.
pub const ACCESS_MINUTES: i64 = 15;
pub const AUDIENCE: &str = "wasel-api";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    sid: String,
    aud: String,
    iss: String,
    iat: i64,
    exp: i64,
    /// Space-separated operations (`message.send message.view …`).
    scope: String,
}

impl Auth<'_> {
    /// Signs in for the API: an access token and a refresh token.
    pub async fn api_login(&self, input: LoginInput) -> Result<ApiTokens> {
        let signed = self.login(input, Origin::Api).await?;
        let session = q::session_by_hash(&self.db, &token_hash(&signed.token)).await?.ok_or(AuthError::Required)?;
        self.issue(session.id, session.user_id, signed.token).await
    }

    /// A new pair for a refresh token; the old refresh token stops working.
    pub async fn api_refresh(&self, refresh_token: &str) -> Result<ApiTokens> {
        let Some(old) = q::session_by_hash(&self.db, &token_hash(refresh_token)).await? else {
            return Err(AuthError::Required.into());
        };
        if old.ended_at.is_some() {
            if q::end_reason(&self.db, old.id).await?.as_deref() == Some("rotated") {
                self.revoke_copied(old.user_id).await?;
            }
            return Err(AuthError::Required.into());
        }
        let (session, user) = self.live(refresh_token).await?;
        let (token, hash) = new_token("wsr");
        let mut tx = self.db.begin().await?;
        let id = Uuid::now_v7();
        let fresh = q::NewSession {
            id,
            user_id: user.id,
            kind: "session",
            token_hash: &hash,
            origin: Origin::Api.as_str(),
            label: None,
            expires_at: session.expires_at,
        };
        q::insert_session(&mut tx, fresh).await?;
        tx.commit().await?;
        q::end_session(&self.db, session.id, "rotated").await?;
        self.issue(id, user.id, token).await
    }

    /// The caller behind an access token, for an operation that needs `scope`.
    pub async fn authenticate_bearer(&self, jwt: &str) -> Result<Caller> {
        let key = self.api_key().await?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[self.installation.as_str()]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(jwt, &DecodingKey::from_secret(&key), &validation).map_err(|e| {
            match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::TokenExpired,
                _ => AuthError::TokenInvalid,
            }
        })?;
        let sid = Uuid::parse_str(&data.claims.sid).map_err(|_| AuthError::TokenInvalid)?;
        // The session and its user in one round trip: every API request pays it.
        let found = q::session_user(&self.db, sid).await?.ok_or(AuthError::TokenInvalid)?;
        if found.ended_at.is_some() || now() >= found.expires_at {
            return Err(AuthError::Required.into());
        }
        if found.disabled_at.is_some() {
            return Err(AuthError::AccountDisabled.into());
        }
        // The token's scope narrows what the user's current roles allow; it never widens it.
        let caller = Caller::user(found.user_id, found.username, Role::split(&found.roles), Origin::Api);
        Ok(caller.narrowed(data.claims.scope.split(' ').filter_map(Operation::parse).collect()))
    }

    async fn issue(&self, session: Uuid, user_id: Uuid, refresh_token: String) -> Result<ApiTokens> {
        let user = q::get(&self.db, user_id).await?.ok_or(AuthError::Required)?;
        let caller = Caller::user(user.id, user.username, Role::split(&user.roles), Origin::Api);
        let iat = now().timestamp();
        let claims = Claims {
            sub: user.id.to_string(),
            sid: session.to_string(),
            aud: AUDIENCE.into(),
            iss: self.installation.clone(),
            iat,
            exp: iat + Duration::minutes(ACCESS_MINUTES).num_seconds(),
            scope: caller.operations().iter().map(|o| o.as_str()).collect::<Vec<_>>().join(" "),
        };
        let key = self.api_key().await?;
        let access_token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&key))
                .map_err(|e| Error::Internal(format!("signing a token: {e}")))?;
        Ok(ApiTokens {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in: u32::try_from(Duration::minutes(ACCESS_MINUTES).num_seconds()).unwrap_or(900),
        })
    }

    async fn revoke_copied(&self, user_id: Uuid) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let ended = q::end_sessions_of(&mut tx, user_id, "refresh_reused").await?;
        let entry = Entry {
            actor: "system".into(),
            origin: Origin::Api,
            action: "auth.refresh_reused",
            entity: "user",
            entity_id: Some(user_id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "sessions_ended": ended })),
        };
        audit::append(&mut tx, entry).await?;
        tx.commit().await
    }

    /// The key access tokens are signed with: made once, kept in the keychain (or the
    /// credentials directory), cached for the life of the process.
    async fn api_key(&self) -> Result<Vec<u8>> {
        let account = format!("{}/api/jwt_signing_key", self.installation);
        let cached = self.api_key.get_or_try_init(|| async {
            let read = account.clone();
            if let Some(k) = secrets::blocking(&self.secrets, move |s| s.get(&read)).await? {
                return base64::engine::general_purpose::STANDARD.decode(k).map_err(|e| Error::Internal(e.to_string()));
            }
            let (fresh, _) = new_token("k");
            let bytes = fresh.into_bytes();
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            secrets::blocking(&self.secrets, move |s| s.set(&account, &encoded)).await?;
            Ok::<_, Error>(bytes)
        });
        Ok(cached.await?.clone())
    }
}
