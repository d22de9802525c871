//! `/api/auth/*`: sign in for a token pair, trade a refresh token for a new pair, sign out.
//! These POSTs need no `Idempotency-Key`: repeating one only issues another pair.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use wasel_core::Wasel;
use wasel_core::api::{ApiTokens, LoginInput, Origin};

use super::error::{ApiError, ApiErrorBody};
use super::request::{Lang, json};

/// A refresh token to trade or to revoke.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshInput {
    pub refresh_token: String,
}

#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = ApiTokens), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
pub async fn login(
    State(wasel): State<Arc<Wasel>>,
    Lang(lang): Lang,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ApiTokens>, ApiError> {
    let input: LoginInput = json(&body, lang)?;
    Ok(Json(wasel.auth().api_login(input).await.map_err(|e| ApiError::core(e, lang))?))
}

#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshInput,
    responses((status = 200, body = ApiTokens), (status = 401, body = ApiErrorBody)))]
pub async fn refresh(
    State(wasel): State<Arc<Wasel>>,
    Lang(lang): Lang,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ApiTokens>, ApiError> {
    let input: RefreshInput = json(&body, lang)?;
    Ok(Json(wasel.auth().api_refresh(&input.refresh_token).await.map_err(|e| ApiError::core(e, lang))?))
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshInput,
    responses((status = 204, description = "signed out; the refresh token and its access tokens stop working")))]
pub async fn logout(
    State(wasel): State<Arc<Wasel>>,
    Lang(lang): Lang,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let input: RefreshInput = json(&body, lang)?;
    wasel.auth().logout(&input.refresh_token, Origin::Api).await.map_err(|e| ApiError::core(e, lang))?;
    Ok(StatusCode::NO_CONTENT)
}
