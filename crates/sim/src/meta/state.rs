//! State.

use super::*;

/// The Meta WhatsApp simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct MetaSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) opts: MetaOptions,
    /// sent, delivered, read: never decreasing.
    pub(super) delays: [Duration; 3],
    pub(super) state: Mutex<Store>,
    pub(super) create_requests: AtomicUsize,
    pub(super) faults: FaultSwitch,
    pub(super) stopped: watch::Receiver<bool>,
    pub(super) http: reqwest::Client,
}

pub(super) struct Webhook {
    pub(super) url: String,
}

#[derive(Default)]
pub(super) struct Store {
    pub(super) records: Vec<Record>,
    pub(super) by_id: HashMap<String, usize>,
    pub(super) received: usize,
    pub(super) templates: Vec<SimTemplate>,
    pub(super) next_template_id: u64,
    pub(super) fates: HashMap<String, Fate>,
    pub(super) last_inbound: HashMap<String, DateTime<Utc>>,
    pub(super) webhook: Option<Webhook>,
}

pub(super) struct Record {
    pub(super) msg: SimMessage,
    pub(super) conversation_id: String,
    /// `conversation.origin.type` and `pricing.category`: the template category in lower case, or `service`.
    pub(super) category: String,
    pub(super) billable: bool,
}

/// What the timer does to a message, in order.
#[derive(Clone, Copy, Debug)]
pub(super) enum Step {
    Sent,
    Delivered,
    Read,
    Failed(u32),
}

impl MetaSim {
    /// Creates the simulator; its status timers and webhook retries end when `stopped` turns true.
    pub(crate) fn start(opts: MetaOptions, stopped: watch::Receiver<bool>) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .no_proxy()
            .user_agent("facebookexternalua")
            .build()
            .map_err(std::io::Error::other)?;
        let sent = opts.sent_after;
        let delivered = opts.delivered_after.max(sent);
        let read = opts.read_after.max(delivered);
        let mut store = Store { webhook: opts.webhook_url.clone().map(|url| Webhook { url }), ..Store::default() };
        for t in seed_templates() {
            store.add_template(t);
        }
        Ok(Self {
            shared: Arc::new(Shared {
                opts,
                delays: [sent, delivered, read],
                state: Mutex::new(store),
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
                http,
            }),
        })
    }

    pub fn options(&self) -> &MetaOptions {
        &self.shared.opts
    }

    /// Everything accepted, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        lock(&self.shared.state).records.iter().map(|r| r.msg.clone()).collect()
    }

    /// Number of sends answered 200.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of `POST …/messages` that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Scripts what happens to later messages for this number (`+966…` or `966…`).
    pub fn set_fate(&self, number: &str, fate: Fate) {
        let mut state = lock(&self.shared.state);
        let wa_id = wa_id(number);
        if fate == Fate::Normal {
            state.fates.remove(&wa_id);
        } else {
            state.fates.insert(wa_id, fate);
        }
    }

    pub fn fates(&self) -> BTreeMap<String, Fate> {
        lock(&self.shared.state).fates.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Later messages to this number fail with 131050.
    pub fn opt_out(&self, number: &str) {
        self.set_fate(number, Fate::OptedOut);
    }

    /// Moves the recipient's last message to `at` (now opens the window, 25 hours ago closes it).
    pub fn set_last_inbound(&self, number: &str, at: DateTime<Utc>) {
        lock(&self.shared.state).last_inbound.insert(wa_id(number), at);
    }

    /// The recipient writes to the business: opens the 24 h window and posts the inbound webhook.
    /// Returns the inbound wamid, or `None` when `from` is not a phone number.
    pub fn inbound(&self, from: &str, text: &str, name: &str) -> Option<String> {
        let from = Some(wa_id(from)).filter(|n| is_wa_id(n))?;
        let id = new_wamid(&from);
        let now = Utc::now();
        lock(&self.shared.state).last_inbound.insert(from.clone(), now);
        tracing::debug!(from = %mask_phone(&from), "meta sim: inbound message");
        let value = json!({
            "messaging_product": "whatsapp",
            "metadata": self.shared.metadata(),
            "contacts": [{ "profile": { "name": name }, "wa_id": from }],
            "messages": [{
                "from": from,
                "id": id,
                "timestamp": now.timestamp().to_string(),
                "text": { "body": text },
                "type": "text",
            }],
        });
        self.shared.post_webhook(self.shared.envelope("messages", value, None));
        Some(id)
    }

    pub fn templates(&self) -> Vec<SimTemplate> {
        lock(&self.shared.state).templates.clone()
    }

    /// Adds a template (its `id` assigned when empty); `None` when that name + language exists.
    pub fn add_template(&self, template: SimTemplate) -> Option<SimTemplate> {
        lock(&self.shared.state).add_template(template)
    }

    /// Changes a template's status and posts the `message_template_status_update` webhook. False when unknown.
    pub fn set_template_status(&self, name: &str, language: &str, status: TemplateStatus) -> bool {
        let payload = {
            let mut state = lock(&self.shared.state);
            let Some(t) = state.templates.iter_mut().find(|t| t.name == name && t.language == language) else {
                return false;
            };
            t.status = status;
            let value = json!({
                "event": status.as_str(),
                "message_template_id": t.id.parse::<u64>().map_or_else(|_| json!(t.id), |n| json!(n)),
                "message_template_name": t.name,
                "message_template_language": t.language,
                "reason": if status == TemplateStatus::Rejected { "INVALID_FORMAT" } else { "NONE" },
            });
            self.shared.envelope("message_template_status_update", value, Some(Utc::now().timestamp()))
        };
        self.shared.post_webhook(payload);
        true
    }

    pub fn webhook_url(&self) -> Option<String> {
        lock(&self.shared.state).webhook.as_ref().map(|w| w.url.clone())
    }

    /// Sets (or clears) the webhook without the handshake, as [`MetaOptions::webhook_url`] does.
    pub fn set_webhook_url(&self, url: Option<String>) {
        lock(&self.shared.state).webhook = url.map(|url| Webhook { url });
    }

    /// Meta's subscription: `GET url?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…` must answer 200
    /// with the challenge; only then is the URL kept.
    pub async fn subscribe_webhook(&self, url: &str, verify_token: &str) -> Result<(), VerificationFailed> {
        self.shared.verify(url, verify_token).await?;
        self.set_webhook_url(Some(url.to_owned()));
        tracing::info!(url, "meta sim: webhook verified and subscribed");
        Ok(())
    }

    /// Forgets every message and resets both counters. Windows, fates, templates, the webhook and faults stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.by_id.clear();
        state.received = 0;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

impl Store {
    pub(super) fn add_template(&mut self, mut t: SimTemplate) -> Option<SimTemplate> {
        if self.templates.iter().any(|o| o.name == t.name && o.language == t.language) {
            return None;
        }
        self.next_template_id += 1;
        if t.id.is_empty() {
            t.id = format!("{}", 1_200_000_000_000_000 + self.next_template_id);
        }
        self.templates.push(t.clone());
        Some(t)
    }

    pub(super) fn window_open(&self, wa_id: &str, now: DateTime<Utc>) -> bool {
        self.last_inbound.get(wa_id).is_some_and(|&at| at <= now && now - at < WINDOW)
    }
}

pub(super) fn seed_templates() -> Vec<SimTemplate> {
    let t = |name: &str, language: &str, category: &str, status, body: &str| SimTemplate {
        id: String::new(),
        name: name.to_owned(),
        language: language.to_owned(),
        category: category.to_owned(),
        body: body.to_owned(),
        status,
    };
    use TemplateStatus::{Approved, Pending, Rejected};
    vec![
        t("appointment_reminder", "ar", "UTILITY", Approved, "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل."),
        t(
            "appointment_reminder",
            "en",
            "UTILITY",
            Approved,
            "Reminder: {{1}}'s appointment is on {{2}} at {{3}} at Wasel centre.",
        ),
        t(
            "session_cancelled",
            "ar",
            "UTILITY",
            Approved,
            "نعتذر، أُلغيت جلسة {{1}} يوم {{2}}. سنتواصل معكم لتحديد موعد جديد.",
        ),
        t(
            "session_cancelled",
            "en",
            "UTILITY",
            Approved,
            "Sorry, {{1}}'s session on {{2}} is cancelled. We will contact you to book a new one.",
        ),
        t("payment_due", "ar", "UTILITY", Pending, "تذكير بالدفع: مبلغ {{1}} ريال مستحق بتاريخ {{2}}."),
        t("promo_offer", "en", "MARKETING", Rejected, "Enjoy {{1}}% off next month at Wasel centre!"),
    ]
}

impl Shared {
    pub(super) fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return Err(ApiError::MissingToken);
        };
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match token {
            Some(token) if constant_time_eq(token.as_bytes(), self.opts.access_token.as_bytes()) => Ok(()),
            _ => Err(ApiError::InvalidToken),
        }
    }

    pub(super) fn metadata(&self) -> Value {
        let digits: String = self.opts.display_phone_number.chars().filter(char::is_ascii_digit).collect();
        json!({ "display_phone_number": digits, "phone_number_id": self.opts.phone_number_id })
    }

    /// `{"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"value":…,"field":…}]}]}`.
    pub(super) fn envelope(&self, field: &str, value: Value, time: Option<i64>) -> Value {
        let mut entry = json!({ "id": self.opts.waba_id, "changes": [{ "value": value, "field": field }] });
        if let Some(time) = time {
            entry["time"] = json!(time);
        }
        json!({ "object": "whatsapp_business_account", "entry": [entry] })
    }

    /// The status webhook for a message that just moved to `step`.
    pub(super) fn status_payload(&self, rec: &Record, step: Step, now: DateTime<Utc>) -> Value {
        let mut status = json!({
            "id": rec.msg.id,
            "status": step.as_str(),
            "timestamp": now.timestamp().to_string(),
            "recipient_id": rec.msg.to,
        });
        if let Some(opaque) = &rec.msg.biz_opaque_callback_data {
            status["biz_opaque_callback_data"] = json!(opaque);
        }
        match step {
            Step::Failed(code) => {
                let (title, details) = failure_text(code);
                status["errors"] = json!([{
                    "code": code,
                    "title": title,
                    "message": title,
                    "error_data": { "details": details },
                    "href": GRAPH_HREF,
                }]);
            }
            _ => {
                let mut conversation = json!({ "id": rec.conversation_id, "origin": { "type": rec.category } });
                if matches!(step, Step::Sent) {
                    conversation["expiration_timestamp"] = json!((now + WINDOW).timestamp().to_string());
                }
                status["conversation"] = conversation;
                status["pricing"] = json!({
                    "billable": rec.billable,
                    "pricing_model": "PMP",
                    "type": if rec.billable { "regular" } else { "free_customer_service" },
                    "category": rec.category,
                });
            }
        }
        let value = json!({ "messaging_product": "whatsapp", "metadata": self.metadata(), "statuses": [status] });
        self.envelope("messages", value, None)
    }

    /// Posts a webhook in the background when one is subscribed.
    pub(super) fn post_webhook(self: &Arc<Self>, payload: Value) {
        let Some(url) = lock(&self.state).webhook.as_ref().map(|w| w.url.clone()) else {
            return;
        };
        let Ok(body) = serde_json::to_vec(&payload) else {
            return;
        };
        tokio::spawn(deliver(Arc::clone(self), url, body));
    }

    pub(super) async fn verify(&self, url: &str, verify_token: &str) -> Result<(), VerificationFailed> {
        let fail = |why: String| {
            VerificationFailed(format!("The URL couldn't be validated. Callback verification failed: {why}"))
        };
        let mut target = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| fail("the callback URL is not an absolute http(s) URL".to_owned()))?;
        let challenge = rand::random::<u32>().to_string();
        target
            .query_pairs_mut()
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.challenge", &challenge)
            .append_pair("hub.verify_token", verify_token);
        let response = self
            .http
            .get(target)
            .send()
            .await
            .map_err(|e| fail(format!("could not reach the URL ({})", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!(
                "HTTP Status Code = {}; HTTP Message = {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )));
        }
        let body = response.text().await.unwrap_or_default();
        if body.trim() != challenge {
            let received: String = body.chars().take(64).collect();
            return Err(fail(format!(
                "Response does not match challenge, expected value=\"{challenge}\", received=\"{received}\""
            )));
        }
        Ok(())
    }
}

impl Step {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed(_) => "failed",
        }
    }
}

/// `errors[].title` and `error_data.details` of a failed status.
pub(super) fn failure_text(code: u32) -> (&'static str, &'static str) {
    match code {
        131047 => (
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this \
             number.",
        ),
        131026 => ("Message undeliverable", "Message Undeliverable."),
        131050 => (
            "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on \
             WhatsApp from your business.",
            "The recipient has opted out of messages from this business.",
        ),
        _ => ("Message failed to send", "Message failed to send."),
    }
}
