//! The call's life.

use super::*;

/// Ends the call with `status` (and, for `failed`, an error); returns the `completed`-event callback.
pub(super) fn finish(rec: &mut CallRecord, status: &'static str, error: Option<CallError>) -> Option<Callback> {
    let now = Utc::now();
    rec.call.status = status.to_owned();
    rec.call.error_code = error.map(|e| e.code);
    rec.end_time = Some(now);
    rec.date_updated = now;
    tracing::debug!(sid = %rec.call.sid, status, error = ?error.map(|e| e.message), "twilio voice sim: call ended");
    callback(rec, Event::Completed, status)
}

/// The callback for `event` with `CallStatus=status`, when the call subscribed to it.
pub(super) fn callback(rec: &mut CallRecord, event: Event, status: &str) -> Option<Callback> {
    let url = rec.call.status_callback.clone()?;
    if !rec.events.wants(event) {
        return None;
    }
    let mut params: Vec<(String, String)> = vec![
        ("CallSid".into(), rec.call.sid.clone()),
        ("AccountSid".into(), rec.account_sid.clone()),
        ("From".into(), rec.call.from.clone()),
        ("To".into(), rec.call.to.clone()),
        ("CallStatus".into(), status.to_owned()),
        ("ApiVersion".into(), API_VERSION.into()),
        ("Direction".into(), "outbound-api".into()),
        ("CallbackSource".into(), "call-progress-events".into()),
        ("Timestamp".into(), rfc2822(Utc::now())),
        ("SequenceNumber".into(), rec.sequence.to_string()),
    ];
    rec.sequence += 1;
    if event == Event::Completed {
        params.push(("CallDuration".into(), rec.call.duration.unwrap_or(0).to_string()));
        if let Some(code) = rec.call.error_code {
            params.push(("ErrorCode".into(), code.to_string()));
        }
    }
    Some(Callback { url, method: rec.callback_method.clone(), params, sid: rec.call.sid.clone() })
}

impl Shared {
    /// Applies `change` to the call if it is still in `expected`; None when it moved on (canceled, hung up,
    /// cleared), which ends its timer. Some(callback) otherwise.
    pub(super) fn step(
        &self,
        sid: &str,
        expected: &str,
        change: impl FnOnce(&mut CallRecord) -> Option<Callback>,
    ) -> Option<Option<Callback>> {
        let mut state = lock(&self.state);
        let seq = *state.by_sid.get(sid)?;
        let rec = state.calls.get_mut(seq)?;
        (rec.call.status == expected).then(|| change(rec))
    }

    /// Sleeps until `at`; false when the simulators shut down meanwhile.
    pub(super) async fn sleep_until(&self, at: Instant) -> bool {
        let mut stopped = self.twilio.stopped();
        tokio::select! {
            () = tokio::time::sleep_until(at) => true,
            _ = stopped.wait_for(|s| *s) => false,
        }
    }

    /// The TwiML the call runs when answered: inline, fetched from `Url`, or an application's (empty).
    pub(super) async fn script(&self, rec_view: &CallView) -> Result<Script, CallError> {
        match &rec_view.source {
            Source::Twiml(twiml) => parse_twiml(twiml),
            Source::Application => Ok(Script::default()),
            Source::Url { url, method } => {
                let params = vec![
                    ("CallSid".to_owned(), rec_view.sid.clone()),
                    ("AccountSid".to_owned(), rec_view.account_sid.clone()),
                    ("From".to_owned(), rec_view.from.clone()),
                    ("To".to_owned(), rec_view.to.clone()),
                    ("CallStatus".to_owned(), "in-progress".to_owned()),
                    ("ApiVersion".to_owned(), API_VERSION.to_owned()),
                    ("Direction".to_owned(), "outbound-api".to_owned()),
                ];
                let response = self.twilio.send_webhook(method, url, &params).await.map_err(|_| RETRIEVAL_FAILURE)?;
                if !response.status().is_success() {
                    return Err(RETRIEVAL_FAILURE);
                }
                let body = response.text().await.map_err(|_| RETRIEVAL_FAILURE)?;
                parse_twiml(&body)
            }
        }
    }
}

/// What the timer needs to know about a call outside the lock.
pub(super) struct CallView {
    pub(super) sid: String,
    pub(super) account_sid: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) source: Source,
    pub(super) outcome: Outcome,
}

/// One task per call walks it through its statuses; it stops as soon as the call moved on without it.
pub(super) async fn drive(shared: Arc<Shared>, sid: String, placed_at: Instant) {
    let view = {
        let state = lock(&shared.state);
        let Some(rec) = state.by_sid.get(&sid).and_then(|&seq| state.calls.get(seq)) else {
            return;
        };
        CallView {
            sid: sid.clone(),
            account_sid: rec.account_sid.clone(),
            from: rec.call.from.clone(),
            to: rec.call.to.clone(),
            source: rec.source.clone(),
            outcome: rec.outcome,
        }
    };
    let opts = shared.opts.clone();
    let fire = |cb: Option<Callback>| {
        if let Some(cb) = cb {
            tokio::spawn(post_callback(Arc::clone(&shared), cb));
        }
    };

    if !shared.sleep_until(placed_at).await {
        return;
    }
    let Some(cb) = shared.step(&sid, "queued", |rec| {
        rec.start_time = Some(Utc::now());
        callback(rec, Event::Initiated, "initiated")
    }) else {
        return;
    };
    fire(cb);

    if !shared.sleep_until(placed_at + opts.ringing_after).await {
        return;
    }
    let ringing = shared.step(&sid, "queued", |rec| match view.outcome {
        Outcome::Busy => finish(rec, "busy", None),
        Outcome::Unreachable => finish(rec, "failed", Some(UNREACHABLE)),
        Outcome::Answered | Outcome::NoAnswer => {
            rec.call.status = "ringing".to_owned();
            rec.date_updated = Utc::now();
            callback(rec, Event::Ringing, "ringing")
        }
    });
    let Some(cb) = ringing else {
        return;
    };
    fire(cb);
    if matches!(view.outcome, Outcome::Busy | Outcome::Unreachable) {
        return;
    }

    if !shared.sleep_until(placed_at + opts.answered_after.max(opts.ringing_after)).await {
        return;
    }
    if view.outcome == Outcome::NoAnswer {
        if let Some(cb) = shared.step(&sid, "ringing", |rec| finish(rec, "no-answer", None)) {
            fire(cb);
        }
        return;
    }
    let script = shared.script(&view).await;
    let answered = shared.step(&sid, "ringing", |rec| match &script {
        Err(error) => finish(rec, "failed", Some(*error)),
        Ok(script) => {
            rec.call.says = script.says.clone();
            rec.call.text = script.text();
            rec.call.language = script.says.first().map(|s| s.language.clone());
            rec.call.voice = script.says.first().map(|s| s.voice.clone());
            rec.call.status = "in-progress".to_owned();
            rec.answered_at = Some(Instant::now());
            rec.date_updated = Utc::now();
            callback(rec, Event::Answered, "in-progress")
        }
    });
    let Some(cb) = answered else {
        return;
    };
    fire(cb);
    let Ok(script) = script else {
        return;
    };

    if !shared.sleep_until(Instant::now() + opts.talk_time).await {
        return;
    }
    if let Some(cb) = shared.step(&sid, "in-progress", |rec| {
        rec.call.duration = Some(script.seconds());
        finish(rec, "completed", None)
    }) {
        fire(cb);
    }
}

/// Posts one status callback, signed. Failures are logged and dropped, as Twilio does.
pub(super) async fn post_callback(shared: Arc<Shared>, cb: Callback) {
    match shared.twilio.send_webhook(&cb.method, &cb.url, &cb.params).await {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => tracing::warn!(
            sid = %cb.sid,
            http_status = response.status().as_u16(),
            "twilio voice sim: status callback refused"
        ),
        Err(error) => {
            tracing::warn!(sid = %cb.sid, error = %error.without_url(), "twilio voice sim: status callback failed");
        }
    }
}
