//! Routes.

use super::*;

/// `/token` and `messages:send`; faults apply to the FCM API only.
pub(crate) fn api_routes(sim: FcmSim) -> Router {
    let send = Router::new()
        .route(SEND_PATH, post(send_message))
        .route_layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<FcmSim>))
        .with_state(sim.clone());
    Router::new().route(TOKEN_PATH, post(issue_token)).with_state(sim).merge(send)
}

crate::kit::control::inspect!(FcmSim, SimMessage, "fcm", revoke_device);

/// `/_sim/fcm/...`: the inbox, faults, the service account, devices and access tokens.
pub(crate) fn debug_routes(sim: FcmSim) -> Router {
    crate::kit::control::routes::<FcmSim>()
        .route("/service-account", get(debug_service_account))
        .route("/devices", get(debug_devices).post(debug_register_device))
        .route("/devices/{token}", delete(debug_revoke_device))
        .route("/access-tokens", delete(debug_expire_tokens))
        .route("/stats", get(debug_stats))
        .with_state(sim)
}

crate::kit::gate::gated!(FcmSim, "fcm", send_requests, |_method, _path| true, |fault| GoogleError::from_fault(fault)
    .into_response());

#[derive(Deserialize)]
pub(super) struct TokenForm {
    pub(super) grant_type: Option<String>,
    pub(super) assertion: Option<String>,
}

pub(super) async fn issue_token(
    State(sim): State<FcmSim>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    shared.token_requests.fetch_add(1, Ordering::Relaxed);
    let Ok(Form(form)) = form else {
        return OAuthError { error: "invalid_request", description: "Missing required parameter: grant_type".into() }
            .into_response();
    };
    match form.grant_type.as_deref() {
        Some(JWT_BEARER_GRANT) => {}
        None | Some("") => {
            return OAuthError {
                error: "invalid_request",
                description: "Missing required parameter: grant_type".into(),
            }
            .into_response();
        }
        Some(other) => {
            return OAuthError { error: "unsupported_grant_type", description: format!("Invalid grant_type: {other}") }
                .into_response();
        }
    }
    let Some(assertion) = form.assertion.filter(|a| !a.is_empty()) else {
        return OAuthError { error: "invalid_request", description: "Missing required parameter: assertion".into() }
            .into_response();
    };
    let key = match test_key().await {
        Ok(key) => key,
        Err(error) => {
            tracing::warn!(%error, "fcm sim: no test key");
            return GoogleError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "Internal error encountered.")
                .into_response();
        }
    };
    let audiences = shared.accepted_audiences(&headers);
    let may_send =
        match verify_assertion(&assertion, key, &shared.opts.client_email, &audiences, Utc::now().timestamp()) {
            Ok(may_send) => may_send,
            Err(e) => {
                tracing::debug!(error = e.error, description = %e.description, "fcm sim: assertion refused");
                return e.into_response();
            }
        };
    let access_token =
        format!("ya29.c.{}", rand::rng().sample_iter(Alphanumeric).take(120).map(char::from).collect::<String>());
    let lifetime = shared.opts.token_lifetime;
    {
        let mut state = lock(&shared.state);
        let now = Instant::now();
        state.access_tokens.retain(|_, t| t.expires > now);
        state.access_tokens.insert(access_token.clone(), AccessToken { expires: now + lifetime, may_send });
        state.tokens_issued += 1;
    }
    tracing::debug!(may_send, "fcm sim: access token issued");
    let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
    Json(json!({ "access_token": access_token, "expires_in": expires_in, "token_type": "Bearer" })).into_response()
}

/// Checks a JWT-bearer assertion as Google does; `Ok(true)` when its scopes allow sending messages.
pub(super) fn verify_assertion(
    jwt: &str,
    key: &TestKey,
    client_email: &str,
    audiences: &[String],
    now: i64,
) -> Result<bool, OAuthError> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OAuthError::grant("Invalid JWT: not a signed JWT (header.claims.signature)"));
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('='));
    let header: Value = decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| OAuthError::grant("Invalid JWT: unreadable header"))?;
    let claims: Value = decode(claims)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| OAuthError::grant("Invalid JWT: unreadable claim set"))?;
    let signature = decode(signature).map_err(|_| OAuthError::grant("Invalid JWT Signature."))?;

    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(OAuthError::grant("Invalid JWT Signature."));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(client_email) {
        return Err(OAuthError::grant("Invalid grant: account not found"));
    }
    if let Some(kid) = header.get("kid")
        && kid.as_str() != Some(key.key_id.as_str())
    {
        return Err(OAuthError::grant("Invalid JWT Signature."));
    }
    let signed_len = jwt.len() - jwt.rsplit('.').next().map_or(0, str::len) - 1;
    let signature =
        Signature::try_from(signature.as_slice()).map_err(|_| OAuthError::grant("Invalid JWT Signature."))?;
    if key.verifying.verify(&jwt.as_bytes()[..signed_len], &signature).is_err() {
        return Err(OAuthError::grant("Invalid JWT Signature."));
    }
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or_default();
    if !audiences.iter().any(|a| a == aud) {
        return Err(OAuthError::grant(format!(
            "Invalid JWT: Failed audience check. The expected value was {}, but the actual value was {aud}",
            audiences.first().map_or("", String::as_str)
        )));
    }
    let time = |name: &str| claims.get(name).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)));
    let window_ok = match (time("iat"), time("exp")) {
        (Some(iat), Some(exp)) => {
            exp > iat && exp - iat <= MAX_ASSERTION_SECS && iat <= now + CLOCK_SKEW_SECS && exp > now - CLOCK_SKEW_SECS
        }
        _ => false,
    };
    if !window_ok {
        return Err(OAuthError::grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ));
    }
    let scopes: Vec<&str> =
        claims.get("scope").and_then(Value::as_str).unwrap_or_default().split_whitespace().collect();
    if scopes.is_empty() || !scopes.iter().all(|s| s.starts_with("https://www.googleapis.com/auth/")) {
        return Err(OAuthError {
            error: "invalid_scope",
            description: "Invalid OAuth scope or ID token audience provided.".into(),
        });
    }
    Ok(scopes.iter().any(|s| *s == SCOPE_MESSAGING || *s == SCOPE_CLOUD_PLATFORM))
}

pub(super) async fn send_message(
    State(sim): State<FcmSim>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match accept(&sim.shared, &project, &headers, &body) {
        Ok(name) => Json(json!({ "name": name })).into_response(),
        Err(e) => {
            tracing::debug!(status = e.status, fcm = ?e.fcm_code, message = %e.message, "fcm sim: send refused");
            e.into_response()
        }
    }
}

/// Auth, project, validation, the device registry; then records the message and returns its name.
pub(super) fn accept(shared: &Shared, project: &str, headers: &HeaderMap, body: &[u8]) -> Result<String, GoogleError> {
    shared.authorize(headers)?;
    if project != shared.opts.project_id && project != shared.opts.project_number {
        return Err(GoogleError::permission_denied(format!(
            "Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist)."
        )));
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|_| GoogleError::bad_json("Invalid JSON payload received. Unexpected token.", None))?;
    let request = request
        .as_object()
        .ok_or_else(|| GoogleError::bad_json("Invalid JSON payload received. Unexpected token.", None))?;
    check_known(request, &["validate_only", "message"], None)?;
    let validate_only = match field(request, "validate_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(GoogleError::bad_json(
                format!("Invalid value at 'validate_only' (TYPE_BOOL), {other}"),
                Some("validate_only"),
            ));
        }
    };
    let message = validate(field(request, "message"))?;

    let mut state = lock(&shared.state);
    if let Target::Token(token) = &message.target {
        match state.devices.get(token) {
            None | Some(Device { revoked: true, .. }) => return Err(GoogleError::unregistered()),
            Some(device) if device.project_id != shared.opts.project_id => {
                return Err(GoogleError::sender_id_mismatch());
            }
            Some(_) => {}
        }
    }
    if validate_only {
        return Ok(format!("projects/{}/messages/fake_message_id", shared.opts.project_id));
    }
    let now = Utc::now();
    let name = format!(
        "projects/{}/messages/0:{}%{:016x}",
        shared.opts.project_id,
        now.timestamp_millis(),
        rand::random::<u64>()
    );
    tracing::debug!(%name, kind = message.target.kind(), "fcm sim: message accepted");
    state.records.push(Record { name: name.clone(), message, received_at: now });
    state.received += 1;
    Ok(name)
}
