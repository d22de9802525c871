//! Status timer and webhooks.

use super::*;

/// Walks one message through its plan, posting a status webhook at each step; stops on shutdown or when
/// the inbox was cleared meanwhile.
pub(super) async fn progress(shared: Arc<Shared>, id: String, plan: Vec<(Duration, Step)>) {
    let start = Instant::now();
    let mut stopped = shared.stopped.clone();
    for (after, step) in plan {
        tokio::select! {
            () = tokio::time::sleep_until(start + after) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let payload = {
            let mut state = lock(&shared.state);
            let Some(&i) = state.by_id.get(&id) else {
                return;
            };
            let Some(rec) = state.records.get_mut(i) else {
                return;
            };
            rec.msg.status = step.as_str().to_owned();
            if let Step::Failed(code) = step {
                rec.msg.error_code = Some(code);
            }
            tracing::debug!(wamid = %id, status = step.as_str(), "meta sim: status changed");
            shared.status_payload(rec, step, Utc::now())
        };
        shared.post_webhook(payload);
    }
}

/// Posts one signed webhook; a refusal or a network error is retried with a doubling wait.
pub(super) async fn deliver(shared: Arc<Shared>, url: String, body: Vec<u8>) {
    let signature = meta_signature(&shared.opts.app_secret, &body);
    let mut wait = shared.opts.webhook_retry_delay;
    let mut stopped = shared.stopped.clone();
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        let result = shared
            .http
            .post(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Hub-Signature-256", &signature)
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => return,
            Ok(response) => {
                tracing::warn!(attempt, http_status = response.status().as_u16(), "meta sim: webhook refused")
            }
            Err(error) => tracing::warn!(attempt, error = %error.without_url(), "meta sim: webhook failed"),
        }
        if attempt == WEBHOOK_ATTEMPTS {
            tracing::warn!(attempts = WEBHOOK_ATTEMPTS, "meta sim: webhook given up");
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        wait = wait.saturating_mul(2);
    }
}
