//! State.

use super::*;

/// The Twilio simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct TwilioSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) account_sid: String,
    pub(super) auth_token: String,
    /// Delay from create (or release of a scheduled message) to each stage, never decreasing.
    pub(super) delays: [Duration; STAGES],
    pub(super) state: Mutex<Store>,
    pub(super) create_requests: AtomicUsize,
    pub(super) faults: FaultSwitch,
    /// Wakes the status timer when a stage queue goes from empty to non-empty.
    pub(super) wake: Notify,
    pub(super) stopped: watch::Receiver<bool>,
    pub(super) http: reqwest::Client,
}

/// sending, sent, final (delivered or undelivered).
pub(super) const STAGES: usize = 3;

#[derive(Default)]
pub(super) struct Store {
    /// Every accepted message, in creation order; a record's index is its `seq`.
    pub(super) records: Vec<Record>,
    pub(super) by_sid: HashMap<String, usize>,
    /// Addresses as given (`+9665…` blocks SMS, `whatsapp:+9665…` blocks WhatsApp).
    pub(super) opted_out: HashSet<String>,
    pub(super) received: usize,
    /// Last inbound WhatsApp message per bare E.164 number: opens the 24 h window.
    pub(super) last_inbound: HashMap<String, DateTime<Utc>>,
    pub(super) inbound: Vec<InboundMessage>,
    pub(super) inbound_url: Option<String>,
    pub(super) templates: Vec<SimTemplate>,
    /// One queue per stage of `(due, seq)`. Each stage has a constant delay and messages enter in time
    /// order, so every queue is already sorted by due time.
    pub(super) stages: [VecDeque<(Instant, usize)>; STAGES],
}

pub(super) struct Record {
    pub(super) msg: SimMessage,
    pub(super) account_sid: String,
    pub(super) messaging_service_sid: Option<String>,
    /// False while a Messaging Service has not "picked" a sender yet (`from` is null then).
    pub(super) from_given: bool,
    pub(super) num_media: usize,
    pub(super) date_updated: DateTime<Utc>,
    pub(super) date_sent: Option<DateTime<Utc>>,
    pub(super) error_message: Option<&'static str>,
    /// The error the message ends with, from the test-number suffixes and the WhatsApp rules.
    pub(super) fate: Option<Fate>,
    pub(super) deleted: bool,
}

/// How a message is going to fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fate {
    pub(super) code: u32,
    pub(super) message: &'static str,
    /// `failed` at the first step (it never left Twilio) rather than `undelivered` at the last one.
    pub(super) early: bool,
}

impl Fate {
    pub(super) const fn early(code: u32, message: &'static str) -> Self {
        Self { code, message, early: true }
    }

    pub(super) const fn late(code: u32, message: &'static str) -> Self {
        Self { code, message, early: false }
    }
}

/// One status callback to post.
pub(super) struct Callback {
    pub(super) url: String,
    pub(super) params: Vec<(String, String)>,
    pub(super) sid: String,
    pub(super) status: &'static str,
}

pub(super) fn is_final(status: &str) -> bool {
    matches!(status, "delivered" | "undelivered" | "failed" | "canceled" | "read")
}

impl TwilioSim {
    /// Creates the simulator and spawns its status timer (which ends when `stopped` turns true).
    pub(crate) fn start(opts: TwilioOptions, stopped: watch::Receiver<bool>) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(CALLBACK_TIMEOUT)
            .no_proxy()
            .user_agent("TwilioProxy/1.1")
            .build()
            .map_err(std::io::Error::other)?;
        let sending = opts.sending_after;
        let sent = opts.sent_after.max(sending);
        let delivered = opts.delivered_after.max(sent);
        let store = Store { inbound_url: opts.inbound_url, templates: seed_templates(Utc::now()), ..Store::default() };
        let sim = Self {
            shared: Arc::new(Shared {
                account_sid: opts.account_sid,
                auth_token: opts.auth_token,
                delays: [sending, sent, delivered],
                state: Mutex::new(store),
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                wake: Notify::new(),
                stopped,
                http,
            }),
        };
        tokio::spawn(run_timer(Arc::clone(&sim.shared)));
        Ok(sim)
    }

    /// Everything accepted (and not deleted through the API), in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let state = lock(&self.shared.state);
        state.records.iter().filter(|r| !r.deleted).map(|r| r.msg.clone()).collect()
    }

    /// Number of creates that were accepted (answered 201).
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of create requests that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later creates to this number answer 400 / 21610, as after the recipient replied STOP.
    pub fn opt_out(&self, e164: &str) {
        lock(&self.shared.state).opted_out.insert(e164.to_owned());
    }

    /// Undoes [`TwilioSim::opt_out`], as after the recipient replied START.
    pub fn opt_in(&self, e164: &str) {
        lock(&self.shared.state).opted_out.remove(e164);
    }

    /// Forgets every message (inbound ones and the WhatsApp windows they opened too) and resets both
    /// counters. Opt-outs, templates, the webhook and faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.by_sid.clear();
        state.received = 0;
        state.inbound.clear();
        state.last_inbound.clear();
        for stage in &mut state.stages {
            stage.clear();
        }
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }

    /// A guardian writes to the centre. The message is recorded; by WhatsApp it opens (or extends) the
    /// 24 h window for that number, by SMS `STOP`/`START` opt the number out/in. When an inbound webhook
    /// is set, Twilio's inbound form is posted to it, signed, before this returns.
    /// Err says what is wrong with `from`/`to`.
    pub async fn receive(&self, inbound: Inbound) -> Result<InboundMessage, &'static str> {
        let shared = &self.shared;
        let (channel, number) = split_address(&inbound.from);
        if !is_e164(number) {
            return Err("from must be an E.164 number, optionally prefixed with whatsapp:");
        }
        let to = inbound.to.unwrap_or_else(|| match channel {
            Channel::Whatsapp => format!("{WHATSAPP_PREFIX}{SANDBOX_NUMBER}"),
            Channel::Sms => SANDBOX_NUMBER.to_owned(),
        });
        let (to_channel, to_number) = split_address(&to);
        if to_channel != channel || !is_e164(to_number) {
            return Err("to must be an E.164 number of the same channel as from");
        }
        let at = inbound.at.unwrap_or_else(Utc::now);
        let profile_name = match channel {
            Channel::Whatsapp => Some(inbound.profile_name.unwrap_or_else(|| "Guardian".to_owned())),
            Channel::Sms => None,
        };
        let mut message = InboundMessage {
            sid: new_sid("SM"),
            from: inbound.from.clone(),
            to,
            body: inbound.body,
            channel,
            profile_name,
            date_received: at,
            webhook_status: None,
        };
        let url = {
            let mut state = lock(&shared.state);
            match channel {
                Channel::Whatsapp => {
                    let last = state.last_inbound.entry(number.to_owned()).or_insert(at);
                    *last = (*last).max(at);
                }
                // Twilio's default opt-out and opt-in keywords.
                Channel::Sms => match message.body.trim().to_ascii_uppercase().as_str() {
                    "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => {
                        state.opted_out.insert(number.to_owned());
                    }
                    "START" | "YES" | "UNSTOP" => {
                        state.opted_out.remove(number);
                    }
                    _ => {}
                },
            }
            state.inbound.push(message.clone());
            state.inbound_url.clone()
        };
        tracing::debug!(sid = %message.sid, from = %mask_phone(number), ?channel, "twilio sim: inbound message");
        if let Some(url) = url {
            let params = shared.inbound_params(&message);
            message.webhook_status = match shared.webhook(&axum::http::Method::POST, &url, &params).await {
                Ok(response) => Some(response.status().as_u16()),
                Err(error) => {
                    tracing::warn!(sid = %message.sid, error = %error.without_url(), "twilio sim: inbound webhook failed");
                    None
                }
            };
            let mut state = lock(&shared.state);
            if let Some(stored) = state.inbound.iter_mut().rev().find(|m| m.sid == message.sid) {
                stored.webhook_status = message.webhook_status;
            }
        }
        Ok(message)
    }

    /// Every inbound message, oldest first.
    pub fn inbound_messages(&self) -> Vec<InboundMessage> {
        lock(&self.shared.state).inbound.clone()
    }

    /// Moves (or with `None` closes) the WhatsApp window of a bare E.164 number: the window is open for
    /// 24 h after `at`.
    pub fn set_last_inbound(&self, e164: &str, at: Option<DateTime<Utc>>) {
        let mut state = lock(&self.shared.state);
        match at {
            Some(at) => state.last_inbound.insert(e164.to_owned(), at),
            None => state.last_inbound.remove(e164),
        };
    }

    pub fn set_inbound_url(&self, url: Option<String>) {
        lock(&self.shared.state).inbound_url = url;
    }

    pub fn inbound_url(&self) -> Option<String> {
        lock(&self.shared.state).inbound_url.clone()
    }

    /// The Content templates, in creation order.
    pub fn templates(&self) -> Vec<SimTemplate> {
        lock(&self.shared.state).templates.clone()
    }

    /// The template with this name in this language (`ar`, `en`).
    pub fn template(&self, name: &str, language: &str) -> Option<SimTemplate> {
        lock(&self.shared.state).templates.iter().find(|t| t.name == name && t.language == language).cloned()
    }

    /// Sets a template's WhatsApp approval status, as Meta's review would. False when no such template.
    pub fn set_template_status(&self, sid: &str, status: TemplateApproval) -> bool {
        let mut state = lock(&self.shared.state);
        let Some(template) = state.templates.iter_mut().find(|t| t.sid == sid) else {
            return false;
        };
        template.status = status;
        template.rejection_reason = match status {
            TemplateApproval::Rejected => "Rejected by the simulator".to_owned(),
            _ => String::new(),
        };
        template.date_updated = Utc::now();
        true
    }

    // For the voice simulator, which shares this account, its faults and its webhook signing.

    /// The 401 to answer with, unless the request carries this account's credentials.
    pub(crate) fn refusal(&self, path_account: &str, headers: &HeaderMap) -> Option<Response> {
        self.shared.authorize(path_account, headers).err().map(IntoResponse::into_response)
    }

    /// The fault to answer with instead of serving the request, if one is rolled.
    /// The fault switches Twilio's products share (messaging and voice are one API host).
    pub(crate) fn fault_switch(&self) -> (&crate::faults::FaultSwitch, &watch::Receiver<bool>) {
        (&self.shared.faults, &self.shared.stopped)
    }

    pub(crate) fn stopped(&self) -> watch::Receiver<bool> {
        self.shared.stopped.clone()
    }

    /// Sends a webhook request signed like Twilio's: a signed form for POST, signed query for GET.
    pub(crate) async fn send_webhook(
        &self,
        method: &axum::http::Method,
        url: &str,
        params: &[(String, String)],
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.shared.webhook(method, url, params).await
    }
}
