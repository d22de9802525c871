//! TwiML.

use super::*;

/// What a call's TwiML says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Script {
    pub(super) says: Vec<Said>,
    pub(super) pause_secs: u32,
}

impl Script {
    /// One line per `<Say>` and loop.
    pub(super) fn text(&self) -> String {
        let lines: Vec<&str> =
            self.says.iter().flat_map(|s| std::iter::repeat_n(s.text.as_str(), s.loops.max(1) as usize)).collect();
        lines.join("\n")
    }

    /// How long speaking it takes, at least a second.
    pub(super) fn seconds(&self) -> u32 {
        let chars: usize = self.says.iter().map(|s| s.text.chars().count() * s.loops.max(1) as usize).sum();
        let speech = u32::try_from(chars.div_ceil(SPOKEN_CHARS_PER_SEC)).unwrap_or(u32::MAX);
        speech.saturating_add(self.pause_secs).max(1)
    }
}

/// Reads the `<Say>`s and `<Pause>`s directly under `<Response>`; other verbs are ignored, SSML inside
/// `<Say>` contributes its text.
pub(super) fn parse_twiml(xml: &str) -> Result<Script, CallError> {
    let tokens = tokenize(xml).ok_or(PARSE_FAILURE)?;
    let mut script = Script::default();
    let mut stack: Vec<&str> = Vec::new();
    let mut seen_root = false;
    // The `<Say>` being read: its attributes and text so far.
    let mut say: Option<(Vec<(&str, String)>, String)> = None;
    for token in tokens {
        match token {
            Token::Open { name, attrs, self_closing } => {
                if stack.is_empty() {
                    if name != "Response" || seen_root {
                        return Err(PARSE_FAILURE);
                    }
                    seen_root = true;
                }
                if stack.last() == Some(&"Response") {
                    match name {
                        "Say" if self_closing => return Err(EMPTY_SAY),
                        "Say" => say = Some((attrs, String::new())),
                        "Pause" => {
                            let length = attr(&attrs, "length").map_or(Ok(1), str::parse::<u32>);
                            script.pause_secs = script.pause_secs.saturating_add(length.unwrap_or(1));
                        }
                        _ => {}
                    }
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            Token::Close(name) => {
                if stack.pop() != Some(name) {
                    return Err(PARSE_FAILURE);
                }
                if name == "Say"
                    && stack.last() == Some(&"Response")
                    && let Some((attrs, text)) = say.take()
                {
                    script.says.push(said(&attrs, &text)?);
                }
            }
            Token::Text(text) => match &mut say {
                Some((_, said)) => said.push_str(&text),
                None if stack.is_empty() && !text.trim().is_empty() => return Err(PARSE_FAILURE),
                None => {}
            },
        }
    }
    if !seen_root || !stack.is_empty() {
        return Err(PARSE_FAILURE);
    }
    Ok(script)
}

pub(super) fn attr<'a>(attrs: &'a [(&str, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
}

/// A finished `<Say>`, checked against [`VOICES`].
pub(super) fn said(attrs: &[(&str, String)], text: &str) -> Result<Said, CallError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(EMPTY_SAY);
    }
    let language = attr(attrs, "language").unwrap_or("en-US");
    let voice = attr(attrs, "voice").unwrap_or("man");
    let allowed = VOICES.iter().any(|(l, voices)| *l == language && voices.contains(&voice));
    if !allowed {
        return Err(INVALID_VOICE);
    }
    let loops = attr(attrs, "loop").and_then(|l| l.parse().ok()).unwrap_or(1);
    Ok(Said { language: language.to_owned(), voice: voice.to_owned(), text, loops })
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    Open { name: &'a str, attrs: Vec<(&'a str, String)>, self_closing: bool },
    Close(&'a str),
    Text(String),
}

/// A small XML tokenizer, enough for TwiML: tags with quoted attributes, text with the five named and
/// numeric entities, comments and the XML declaration. None when the document is not well-formed.
pub(super) fn tokenize(xml: &str) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::new();
    let mut rest = xml.trim_start_matches('\u{feff}');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>')?;
            let name = after[..end].trim();
            if !is_name(name) {
                return None;
            }
            tokens.push(Token::Close(name));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = tag_end(after)?;
            let (inner, self_closing) = match after[..end].strip_suffix('/') {
                Some(inner) => (inner, true),
                None => (&after[..end], false),
            };
            let (name, attrs) = parse_tag(inner)?;
            tokens.push(Token::Open { name, attrs, self_closing });
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            tokens.push(Token::Text(unescape(&rest[..end])?));
            rest = &rest[end..];
        }
    }
    Some(tokens)
}

/// The `>` closing a tag, skipping any inside quoted attribute values.
pub(super) fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '>') => return Some(i),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    None
}

pub(super) fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
}

/// `Say language="ar-AE" voice='Polly.Hala-Neural'` → the name and attributes.
pub(super) fn parse_tag(inner: &str) -> Option<(&str, Vec<(&str, String)>)> {
    let inner = inner.trim_end();
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = &inner[..name_end];
    if !is_name(name) {
        return None;
    }
    let mut attrs = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        if !is_name(key) || attrs.iter().any(|(k, _)| *k == key) {
            return None;
        }
        let value_part = rest[eq + 1..].trim_start();
        let quote = value_part.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let value_end = value_part[1..].find(quote)? + 1;
        attrs.push((key, unescape(&value_part[1..value_end])?));
        let after = &value_part[value_end + 1..];
        // Attributes are separated by whitespace.
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return None;
        }
        rest = after.trim_start();
    }
    Some((name, attrs))
}

/// XML text with entities resolved; None for a bare `&` or `<`, or an unknown entity.
pub(super) fn unescape(s: &str) -> Option<String> {
    if s.contains('<') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';')?;
        let entity = &after[..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => entity.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
