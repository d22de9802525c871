//! Validation.

use super::*;

pub(super) enum Target {
    Token(String),
    Topic(String),
    Condition(String),
}

impl Target {
    pub(super) fn token(&self) -> Option<&str> {
        if let Self::Token(t) = self { Some(t) } else { None }
    }
    pub(super) fn topic(&self) -> Option<&str> {
        if let Self::Topic(t) = self { Some(t) } else { None }
    }
    pub(super) fn condition(&self) -> Option<&str> {
        if let Self::Condition(c) = self { Some(c) } else { None }
    }
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "token",
            Self::Topic(_) => "topic",
            Self::Condition(_) => "condition",
        }
    }
}

pub(super) struct NewMessage {
    pub(super) target: Target,
    pub(super) title: Option<String>,
    pub(super) body: Option<String>,
    pub(super) image: Option<String>,
    pub(super) data: BTreeMap<String, String>,
    pub(super) android_priority: Option<String>,
    pub(super) collapse_key: Option<String>,
    pub(super) apns_collapse_id: Option<String>,
    pub(super) ttl: Option<String>,
}

impl NewMessage {
    /// Same device and the same collapse id on either platform: the device shows only the later one.
    pub(super) fn replaces(&self, earlier: &NewMessage) -> bool {
        let same_device = matches!((self.target.token(), earlier.target.token()), (Some(a), Some(b)) if a == b);
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        same_device
            && (same(&self.collapse_key, &earlier.collapse_key)
                || same(&self.apns_collapse_id, &earlier.apns_collapse_id))
    }
}

/// `collapseKey` → `collapse_key`: Google's JSON takes proto field names in either spelling.
pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A proto field by its snake_case name, also found under its lowerCamelCase spelling.
pub(super) fn field<'a>(obj: &'a Map<String, Value>, snake: &str) -> Option<&'a Value> {
    obj.get(snake).or_else(|| obj.iter().find(|(k, _)| k.as_str() != snake && snake_case(k) == snake).map(|(_, v)| v))
}

pub(super) fn check_known(obj: &Map<String, Value>, known: &[&str], path: Option<&str>) -> Result<(), GoogleError> {
    match obj.keys().find(|k| !known.contains(&snake_case(k).as_str())) {
        None => Ok(()),
        Some(k) => {
            let at = path.map(|p| format!(" at '{p}'")).unwrap_or_default();
            Err(GoogleError::bad_json(
                format!("Invalid JSON payload received. Unknown name \"{k}\"{at}: Cannot find field."),
                path,
            ))
        }
    }
}

/// A present-and-not-null value must be an object.
pub(super) fn object<'a>(
    value: Option<&'a Value>,
    path: &str,
    proto: &str,
) -> Result<Option<&'a Map<String, Value>>, GoogleError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => Ok(Some(obj)),
        Some(other) => Err(GoogleError::bad_json(format!("Invalid value at '{path}' ({proto}), {other}"), Some(path))),
    }
}

pub(super) fn string(obj: &Map<String, Value>, name: &str, path: &str) -> Result<Option<String>, GoogleError> {
    match field(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => {
            let at = format!("{path}.{name}");
            Err(GoogleError::bad_json(format!("Invalid value at '{at}' (TYPE_STRING), {other}"), Some(&at)))
        }
    }
}

/// `map<string, string>`: every value a string.
pub(super) fn string_map(value: Option<&Value>, path: &str) -> Result<BTreeMap<String, String>, GoogleError> {
    let Some(obj) = object(value, path, "map<string, string>")? else {
        return Ok(BTreeMap::new());
    };
    let mut map = BTreeMap::new();
    for (i, (k, v)) in obj.iter().enumerate() {
        let Value::String(s) = v else {
            let at = format!("{path}[{i}].value");
            return Err(GoogleError::bad_json(format!("Invalid value at '{at}' (TYPE_STRING), {v}"), Some(&at)));
        };
        map.insert(k.clone(), s.clone());
    }
    Ok(map)
}

pub(super) fn is_reserved_data_key(key: &str) -> bool {
    key == "from" || key == "message_type" || key.starts_with("google.") || key.starts_with("gcm.notification.")
}

/// `"3.5s"`: protobuf's Duration in JSON; seconds as a number.
pub(super) fn parse_duration(s: &str) -> Option<f64> {
    let number = s.strip_suffix('s')?;
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits(whole)
        || !digits(frac)
        || frac.len() > 9
        || (number.contains('.') && frac.is_empty())
    {
        return None;
    }
    number.parse().ok()
}

pub(super) fn validate(message: Option<&Value>) -> Result<NewMessage, GoogleError> {
    let Some(m) = object(message, "message", "type.googleapis.com/google.firebase.fcm.v1.Message")? else {
        return Err(GoogleError::invalid_argument("Recipient of the message is not set.", "message"));
    };
    check_known(
        m,
        &["name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic", "condition"],
        Some("message"),
    )?;

    let mut targets = Vec::new();
    for name in ["token", "topic", "condition"] {
        if let Some(value) = string(m, name, "message")? {
            targets.push((name, value));
        }
    }
    let target = match targets.len() {
        0 => return Err(GoogleError::invalid_argument("Recipient of the message is not set.", "message")),
        1 => match targets.remove(0) {
            ("token", token) if is_token_shaped(&token) => Target::Token(token),
            ("token", _) => {
                return Err(GoogleError::invalid_argument(
                    "The registration token is not a valid FCM registration token",
                    "message.token",
                ));
            }
            ("topic", topic) => {
                let name = topic.strip_prefix("/topics/").unwrap_or(&topic);
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)) {
                    return Err(GoogleError::invalid_argument("Invalid topic name.", "message.topic"));
                }
                Target::Topic(topic)
            }
            (_, condition) => {
                if !condition.contains("in topics") {
                    return Err(GoogleError::invalid_argument(
                        "Invalid condition expression provided.",
                        "message.condition",
                    ));
                }
                Target::Condition(condition)
            }
        },
        _ => {
            return Err(GoogleError::bad_json(
                format!(
                    "Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '{}'",
                    targets[1].0
                ),
                Some("message"),
            ));
        }
    };

    let data = string_map(field(m, "data"), "message.data")?;
    if let Some(key) = data.keys().find(|k| is_reserved_data_key(k)) {
        return Err(GoogleError::invalid_argument(format!("Invalid data payload key: {key}"), "message.data"));
    }

    let (mut title, mut body, mut image) = (None, None, None);
    if let Some(n) = object(
        field(m, "notification"),
        "message.notification",
        "type.googleapis.com/google.firebase.fcm.v1.Notification",
    )? {
        check_known(n, &["title", "body", "image"], Some("message.notification"))?;
        title = string(n, "title", "message.notification")?;
        body = string(n, "body", "message.notification")?;
        image = string(n, "image", "message.notification")?;
    }

    let (mut android_priority, mut collapse_key, mut ttl) = (None, None, None);
    if let Some(a) =
        object(field(m, "android"), "message.android", "type.googleapis.com/google.firebase.fcm.v1.AndroidConfig")?
    {
        check_known(
            a,
            &[
                "collapse_key",
                "priority",
                "ttl",
                "restricted_package_name",
                "data",
                "notification",
                "fcm_options",
                "direct_boot_ok",
            ],
            Some("message.android"),
        )?;
        collapse_key = string(a, "collapse_key", "message.android")?;
        android_priority = string(a, "priority", "message.android")?;
        if let Some(p) = &android_priority
            && p != "NORMAL"
            && p != "HIGH"
        {
            return Err(GoogleError::bad_json(
                format!(
                    "Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), \"{p}\""
                ),
                Some("message.android.priority"),
            ));
        }
        ttl = string(a, "ttl", "message.android")?;
        if let Some(t) = &ttl {
            let secs = parse_duration(t).ok_or_else(|| {
                GoogleError::bad_json(
                    format!(
                        "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), \"{t}\""
                    ),
                    Some("message.android.ttl"),
                )
            })?;
            if secs > MAX_TTL_SECS {
                return Err(GoogleError::invalid_argument(
                    "The ttl is out of range: it must be between 0 and 2419200 seconds (4 weeks).",
                    "message.android.ttl",
                ));
            }
        }
        string_map(field(a, "data"), "message.android.data")?;
        object(
            field(a, "notification"),
            "message.android.notification",
            "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification",
        )?;
    }

    let mut apns_collapse_id = None;
    if let Some(a) = object(field(m, "apns"), "message.apns", "type.googleapis.com/google.firebase.fcm.v1.ApnsConfig")?
    {
        check_known(a, &["headers", "payload", "fcm_options", "live_activity_token"], Some("message.apns"))?;
        let headers = string_map(field(a, "headers"), "message.apns.headers")?;
        apns_collapse_id =
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("apns-collapse-id")).map(|(_, v)| v.clone());
        if apns_collapse_id.as_ref().is_some_and(|id| id.len() > MAX_APNS_COLLAPSE_ID_BYTES) {
            return Err(GoogleError::invalid_argument(
                "apns-collapse-id must not be longer than 64 bytes.",
                "message.apns.headers",
            ));
        }
        object(field(a, "payload"), "message.apns.payload", "type.googleapis.com/google.protobuf.Struct")?;
    }
    object(field(m, "webpush"), "message.webpush", "type.googleapis.com/google.firebase.fcm.v1.WebpushConfig")?;
    object(field(m, "fcm_options"), "message.fcm_options", "type.googleapis.com/google.firebase.fcm.v1.FcmOptions")?;

    let size = data.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
        + title.as_ref().map_or(0, String::len)
        + body.as_ref().map_or(0, String::len);
    let limit = if matches!(target, Target::Token(_)) { MAX_PAYLOAD_BYTES } else { MAX_TOPIC_PAYLOAD_BYTES };
    if size > limit {
        return Err(GoogleError::invalid_argument(
            format!("Message is too big: {size} bytes of data and notification, the limit is {limit}."),
            "message",
        ));
    }
    Ok(NewMessage { target, title, body, image, data, android_priority, collapse_key, apns_collapse_id, ttl })
}
