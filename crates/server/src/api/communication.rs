//! `/api/communication/*`: send on each channel, retry a message, read messages and templates.
//! Each handler reads the body, calls the core as the signed-in caller (who is checked there),
//! and answers; every POST honours `Idempotency-Key`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use wasel_core::api::{
    AttachmentInput, MessageFilter, MessageView, OperatorAction, SendMessageInput, SendSmsInput, TemplateFill,
    TemplateView,
};
use wasel_core::domain::{Channel, Language, MessageStatus};

use super::error::{ApiError, ApiErrorBody};
use super::request::{Signed, json, once};

/// A message on the channel the path names: the fields of the console's compose form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelMessage {
    /// A phone number (SMS, WhatsApp, voice) or an email address; empty for push.
    #[serde(default)]
    pub to: String,
    pub guardian_id: Option<String>,
    #[serde(default)]
    pub body: String,
    pub idempotency_key: Option<String>,
    pub send_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub urgent: Option<bool>,
    pub template: Option<TemplateFill>,
    pub subject: Option<String>,
    pub html: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    pub language: Option<Language>,
    pub subject_en: Option<String>,
    pub body_en: Option<String>,
}

impl ChannelMessage {
    fn on(self, channel: Channel) -> SendMessageInput {
        SendMessageInput {
            channel,
            to: self.to,
            guardian_id: self.guardian_id,
            body: self.body,
            idempotency_key: self.idempotency_key,
            send_at: self.send_at,
            expires_at: self.expires_at,
            urgent: self.urgent,
            template: self.template,
            subject: self.subject,
            html: self.html,
            attachments: self.attachments,
            language: self.language,
            subject_en: self.subject_en,
            body_en: self.body_en,
        }
    }
}

#[utoipa::path(post, path = "/api/communication/send-sms", tag = "communication", request_body = SendSmsInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "the same key and body answer once")),
    responses((status = 201, body = MessageView), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn send_sms(s: Signed, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    once(&s, &headers, "/api/communication/send-sms", &body, async {
        let input: SendSmsInput = json(&body, s.lang)?;
        let view = s.wasel.messaging(&s.caller).send_sms(input).await.map_err(|e| ApiError::core(e, s.lang))?;
        Ok((StatusCode::CREATED, view))
    })
    .await
}

async fn send_on(s: Signed, headers: HeaderMap, body: Result<Bytes, BytesRejection>, channel: Channel) -> Response {
    let path = format!("/api/communication/{}", path_of(channel));
    once(&s, &headers, &path, &body, async {
        let input: ChannelMessage = json(&body, s.lang)?;
        let views = s
            .wasel
            .messaging(&s.caller)
            .send_message(input.on(channel))
            .await
            .map_err(|e| ApiError::core(e, s.lang))?;
        Ok((StatusCode::CREATED, views))
    })
    .await
}

fn path_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "send-sms",
        Channel::Email => "send-email",
        Channel::Whatsapp => "send-whatsapp",
        Channel::Push => "send-push",
        Channel::Voice => "send-voice-call",
    }
}

#[utoipa::path(post, path = "/api/communication/send-email", tag = "communication", request_body = ChannelMessage,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Vec<MessageView>), (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub async fn send_email(s: Signed, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    send_on(s, headers, body, Channel::Email).await
}

#[utoipa::path(post, path = "/api/communication/send-whatsapp", tag = "communication", request_body = ChannelMessage,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Vec<MessageView>), (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub async fn send_whatsapp(s: Signed, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    send_on(s, headers, body, Channel::Whatsapp).await
}

#[utoipa::path(post, path = "/api/communication/send-push", tag = "communication", request_body = ChannelMessage,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Vec<MessageView>, description = "one message per device of the guardian"),
        (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub async fn send_push(s: Signed, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    send_on(s, headers, body, Channel::Push).await
}

#[utoipa::path(post, path = "/api/communication/send-voice-call", tag = "communication", request_body = ChannelMessage,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Vec<MessageView>), (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub async fn send_voice_call(s: Signed, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    send_on(s, headers, body, Channel::Voice).await
}

/// Sends a waiting message now, or again when its outcome is unknown.
#[utoipa::path(post, path = "/api/communication/retry-message/{id}", tag = "communication",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = MessageView), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)),
    security(("bearer" = [])))]
pub async fn retry_message(
    s: Signed,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // An id that is not UTF-8 (`%aa`) is refused in the error shape, not axum's plain text.
    let id = match id {
        Ok(Path(id)) => id,
        Err(e) => {
            let payload = wasel_core::ErrorPayload::new("api.bad_request").with("detail", e.body_text());
            return ApiError::new(payload, s.lang).into_response();
        }
    };
    let path = format!("/api/communication/retry-message/{id}");
    once(&s, &headers, &path, &body, async {
        let messaging = s.wasel.messaging(&s.caller);
        let current = messaging.message(&id).await.map_err(|e| ApiError::core(e, s.lang))?;
        let action =
            if current.status == MessageStatus::Unknown { OperatorAction::Resend } else { OperatorAction::RetryNow };
        let view = messaging.act_on_message(&id, action).await.map_err(|e| ApiError::core(e, s.lang))?;
        Ok((StatusCode::OK, view))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// queued, sending, sent, delivered, read, failed, …
    status: Option<String>,
    /// sms, whatsapp, email, push, voice
    channel: Option<String>,
    provider: Option<String>,
    /// 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/communication/messages", tag = "communication", params(MessagesQuery),
    responses((status = 200, body = Vec<MessageView>), (status = 422, body = ApiErrorBody)), security(("bearer" = [])))]
pub async fn messages(
    s: Signed,
    q: Result<Query<MessagesQuery>, QueryRejection>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    let bad =
        |field: &str| ApiError::new(wasel_core::ErrorPayload::new("api.bad_request").with("detail", field), s.lang);
    let Query(q) = q.map_err(|e| bad(&e.body_text()))?;
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(bad("limit: 1 to 500"));
    }
    let status = match q.status.as_deref() {
        Some(v) => Some(MessageStatus::parse(v).ok_or_else(|| bad("status"))?),
        None => None,
    };
    let channel = match q.channel.as_deref() {
        Some(v) => Some(Channel::parse(v).ok_or_else(|| bad("channel"))?),
        None => None,
    };
    let filter = MessageFilter { status, channel, provider: q.provider, limit: Some(q.limit.unwrap_or(50)) };
    Ok(Json(s.wasel.messaging(&s.caller).list_messages(filter).await.map_err(|e| ApiError::core(e, s.lang))?))
}

/// The WhatsApp templates approved (or not) by the providers in use. Bilingual message templates
/// of the desk come with the reception-desk feature.
#[utoipa::path(get, path = "/api/communication/templates", tag = "communication",
    responses((status = 200, body = Vec<TemplateView>)), security(("bearer" = [])))]
pub async fn templates(s: Signed) -> Result<Json<Vec<TemplateView>>, ApiError> {
    Ok(Json(s.wasel.providers(&s.caller).whatsapp_templates().await.map_err(|e| ApiError::core(e, s.lang))?))
}
