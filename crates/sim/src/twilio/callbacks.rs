//! Status timer and callbacks.

use super::*;

impl Shared {
    /// Puts a message on every stage queue, timed from now. True when the timer must be woken because
    /// a queue was empty (otherwise it already sleeps until a due time no later than the new ones).
    pub(super) fn enqueue(&self, state: &mut Store, seq: usize) -> bool {
        let now = Instant::now();
        let mut was_empty = false;
        for (queue, delay) in state.stages.iter_mut().zip(self.delays) {
            was_empty |= queue.is_empty();
            queue.push_back((now + delay, seq));
        }
        was_empty
    }

    /// Applies up to [`TIMER_BATCH`] due status changes. Returns their callbacks, grouped per message in
    /// order, and the next due time when a queue is still non-empty.
    pub(super) fn fire_due(&self, now: Instant) -> (Vec<Vec<Callback>>, Option<Instant>) {
        let mut state = lock(&self.state);
        let mut callbacks: Vec<Vec<Callback>> = Vec::new();
        let mut by_seq: HashMap<usize, usize> = HashMap::new();
        for _ in 0..TIMER_BATCH {
            // Earliest head first; on a tie the earlier stage, so one message's changes stay in order.
            let Some(stage) = (0..STAGES)
                .filter_map(|i| state.stages[i].front().map(|&(due, _)| (due, i)))
                .min()
                .filter(|&(due, _)| due <= now)
                .map(|(_, i)| i)
            else {
                break;
            };
            let Some((_, seq)) = state.stages[stage].pop_front() else {
                break;
            };
            let Some(rec) = state.records.get_mut(seq) else {
                continue;
            };
            let fired = self.advance(rec, stage);
            if !fired.is_empty() {
                let slot = *by_seq.entry(seq).or_insert_with(|| {
                    callbacks.push(Vec::new());
                    callbacks.len() - 1
                });
                callbacks[slot].extend(fired);
            }
        }
        let next = state.stages.iter().filter_map(|q| q.front().map(|&(due, _)| due)).min();
        (callbacks, next)
    }

    /// Moves one message through `stage`; returns the callbacks to post (none without StatusCallback).
    pub(super) fn advance(&self, rec: &mut Record, stage: usize) -> Vec<Callback> {
        let now = Utc::now();
        let whatsapp = rec.msg.channel == Channel::Whatsapp;
        let mut changes: Vec<&'static str> = Vec::with_capacity(2);
        // SMS: sending, sent, delivered. WhatsApp has no `sending`: sent, delivered, read.
        match (stage, rec.msg.status.as_str(), whatsapp) {
            (0, "accepted" | "queued", _) => {
                if rec.msg.status == "accepted" {
                    changes.push("queued");
                }
                match rec.fate.filter(|f| f.early) {
                    Some(fate) => {
                        rec.msg.error_code = Some(fate.code);
                        rec.error_message = Some(fate.message);
                        changes.push("failed");
                    }
                    None if whatsapp => {
                        changes.push("sent");
                        rec.date_sent = Some(now);
                    }
                    None => changes.push("sending"),
                }
            }
            (1, "sending", false) => {
                changes.push("sent");
                rec.date_sent = Some(now);
            }
            (1, "sent", true) | (2, "sent", false) => match rec.fate {
                Some(fate) => {
                    rec.msg.error_code = Some(fate.code);
                    rec.error_message = Some(fate.message);
                    changes.push("undelivered");
                }
                None => changes.push("delivered"),
            },
            (2, "delivered", true) => changes.push("read"),
            // Failed, canceled, deleted or cleared meanwhile: nothing more happens to it.
            _ => return Vec::new(),
        }
        let Some(&last) = changes.last() else {
            return Vec::new();
        };
        rec.msg.status = last.to_owned();
        rec.date_updated = now;
        tracing::debug!(sid = %rec.msg.sid, status = last, "twilio sim: status changed");
        if rec.deleted {
            return Vec::new();
        }
        changes.into_iter().filter_map(|status| self.callback(rec, status)).collect()
    }

    /// The callback for a change to `status`, when the message asked for callbacks.
    pub(super) fn callback(&self, rec: &Record, status: &'static str) -> Option<Callback> {
        let url = rec.msg.status_callback.clone()?;
        let mut params: Vec<(String, String)> = vec![
            ("MessageSid".into(), rec.msg.sid.clone()),
            ("SmsSid".into(), rec.msg.sid.clone()),
            ("MessageStatus".into(), status.into()),
            ("SmsStatus".into(), status.into()),
            ("AccountSid".into(), rec.account_sid.clone()),
            ("From".into(), rec.msg.from.clone()),
            ("To".into(), rec.msg.to.clone()),
            ("ApiVersion".into(), API_VERSION.into()),
        ];
        if let Some(service) = &rec.messaging_service_sid {
            params.push(("MessagingServiceSid".into(), service.clone()));
        }
        if matches!(status, "undelivered" | "failed")
            && let Some(code) = rec.msg.error_code
        {
            params.push(("ErrorCode".into(), code.to_string()));
        }
        match rec.msg.channel {
            Channel::Sms if matches!(status, "delivered" | "undelivered") => {
                // Carriers' receipt time, YYMMDDhhmm; Twilio passes it through on final statuses.
                params.push(("RawDlrDoneDate".into(), Utc::now().format("%y%m%d%H%M").to_string()));
            }
            Channel::Sms => {}
            Channel::Whatsapp => {
                let (_, number) = split_address(&rec.msg.to);
                params.push(("ChannelPrefix".into(), "whatsapp".into()));
                params.push(("ChannelToAddress".into(), number.to_owned()));
            }
        }
        Some(Callback { url, params, sid: rec.msg.sid.clone(), status })
    }
}

/// One task drains every stage queue, so per-message cost is three queue entries, not three timers.
pub(super) async fn run_timer(shared: Arc<Shared>) {
    let mut stopped = shared.stopped.clone();
    loop {
        if *stopped.borrow() {
            return;
        }
        let (callbacks, next) = shared.fire_due(Instant::now());
        for group in callbacks {
            tokio::spawn(post_callbacks(Arc::clone(&shared), group));
        }
        tokio::select! {
            () = async {
                match next {
                    Some(due) => tokio::time::sleep_until(due).await,
                    None => std::future::pending().await,
                }
            } => {}
            () = shared.wake.notified() => {}
            changed = stopped.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Moves a scheduled message into the send pipeline at `at`, unless it was canceled meanwhile.
pub(super) async fn release_when_due(shared: Arc<Shared>, sid: String, at: DateTime<Utc>) {
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    let mut stopped = shared.stopped.clone();
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        _ = stopped.wait_for(|s| *s) => return,
    }
    let (callback, wake) = {
        let mut state = lock(&shared.state);
        let Some(&seq) = state.by_sid.get(&sid) else {
            return;
        };
        let Some(rec) = state.records.get_mut(seq) else {
            return;
        };
        if rec.msg.status != "scheduled" {
            return;
        }
        rec.msg.status = "queued".to_owned();
        rec.date_updated = Utc::now();
        let callback = shared.callback(rec, "queued");
        let wake = shared.enqueue(&mut state, seq);
        (callback, wake)
    };
    if wake {
        shared.wake.notify_one();
    }
    if let Some(cb) = callback {
        post_callbacks(shared, vec![cb]).await;
    }
}

/// Posts one message's callbacks in order. Failures are logged and dropped, as Twilio does by default.
pub(super) async fn post_callbacks(shared: Arc<Shared>, callbacks: Vec<Callback>) {
    for cb in callbacks {
        match shared.webhook(&axum::http::Method::POST, &cb.url, &cb.params).await {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => tracing::warn!(
                sid = %cb.sid,
                status = cb.status,
                http_status = response.status().as_u16(),
                "twilio sim: status callback refused"
            ),
            Err(error) => tracing::warn!(
                sid = %cb.sid,
                status = cb.status,
                error = %error.without_url(),
                "twilio sim: status callback failed"
            ),
        }
    }
}

impl Shared {
    /// One webhook request as Twilio sends it: POST signs the form fields, GET carries them in the query
    /// and signs the full URL alone.
    pub(super) async fn webhook(
        &self,
        method: &axum::http::Method,
        url: &str,
        params: &[(String, String)],
    ) -> Result<reqwest::Response, reqwest::Error> {
        let request = if method == axum::http::Method::GET {
            let mut full = reqwest::Url::parse(url).ok();
            if let Some(full) = &mut full {
                full.query_pairs_mut().extend_pairs(params);
            }
            let full = full.map_or_else(|| url.to_owned(), String::from);
            let signature = twilio_signature(&self.auth_token, &full, &[]);
            self.http.get(&full).header("X-Twilio-Signature", signature)
        } else {
            let signature = twilio_signature(&self.auth_token, url, params);
            self.http.post(url).header("X-Twilio-Signature", signature).form(params)
        };
        request.header("I-Twilio-Idempotency-Token", new_sid("")).send().await
    }

    /// The form of Twilio's "a message comes in" webhook.
    pub(super) fn inbound_params(&self, m: &InboundMessage) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = vec![
            ("MessageSid".into(), m.sid.clone()),
            ("SmsMessageSid".into(), m.sid.clone()),
            ("SmsSid".into(), m.sid.clone()),
            ("AccountSid".into(), self.account_sid.clone()),
            ("From".into(), m.from.clone()),
            ("To".into(), m.to.clone()),
            ("Body".into(), m.body.clone()),
            ("NumMedia".into(), "0".into()),
            ("NumSegments".into(), "1".into()),
            ("SmsStatus".into(), "received".into()),
            ("ApiVersion".into(), API_VERSION.into()),
        ];
        if m.channel == Channel::Whatsapp {
            let (_, number) = split_address(&m.from);
            params.push(("ProfileName".into(), m.profile_name.clone().unwrap_or_default()));
            params.push(("WaId".into(), number.trim_start_matches('+').to_owned()));
            params.push(("MessageType".into(), "text".into()));
        }
        params
    }
}
