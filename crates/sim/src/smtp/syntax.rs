//! Syntax.

use super::*;

/// Reads up to and including the next LF into `buf`, keeping at most `max` octets: `Some(too_long)`, or
/// `None` at the end of the stream (a half line without its LF is dropped, as the client is gone).
pub(super) async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(None);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..=end], true),
            None => (available, false),
        };
        let taken = chunk.len();
        if buf.len() + taken <= max {
            buf.extend_from_slice(chunk);
        } else {
            too_long = true;
        }
        reader.consume(taken);
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// Waits for the client to hang up, reading and dropping whatever it sends meanwhile.
pub(super) async fn drain<R: AsyncBufRead + Unpin>(reader: &mut R) {
    let mut sink = [0u8; 1024];
    while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
}

pub(super) fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `FROM:<a@b> SIZE=1` with keyword `FROM:` → `<a@b> SIZE=1` (case-insensitive; RFC 5321 has no space
/// after the colon, but clients send one and servers take it).
pub(super) fn strip_keyword<'s>(arg: &'s str, keyword: &str) -> Option<&'s str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword).then(|| arg[keyword.len()..].trim_start())
}

/// `<a@b> SIZE=1` → (`a@b`, `SIZE=1`); a bare `a@b SIZE=1` is taken too. A source route
/// (`<@relay:a@b>`, RFC 5321 §4.1.2) is dropped, as servers must.
pub(super) fn split_path(s: &str) -> Option<(String, &str)> {
    let (path, params) = match s.strip_prefix('<') {
        Some(rest) => {
            let end = rest.find('>')?;
            (&rest[..end], &rest[end + 1..])
        }
        None => match s.split_once(' ') {
            Some((path, params)) => (path, params),
            None => (s, ""),
        },
    };
    let path = match path.strip_prefix('@').and_then(|routed| routed.split_once(':')) {
        Some((_route, mailbox)) => mailbox,
        None => path,
    };
    if !params.is_empty() && !params.starts_with(' ') {
        return None;
    }
    Some((path.to_owned(), params.trim()))
}

/// `local@domain` as RFC 5321 §4.1.2 allows it (a dot-string or quoted local part; a domain of
/// letter-digit-hyphen labels, UTF-8 allowed for SMTPUTF8, or an address literal).
pub(super) fn is_mailbox(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        !local[1..local.len() - 1].contains(['"', '\r', '\n'])
    } else {
        let atom = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
        !local.is_empty() && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom))
    };
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
        domain.len() > 2
    } else {
        let label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        !domain.is_empty() && domain.len() <= 255 && domain.split('.').all(label)
    };
    local_ok && local.len() <= 64 && domain_ok
}

/// SASL responses are base64 (RFC 4954 §4); `=` is an empty one and `*` cancels the exchange.
pub(super) fn decode_sasl(response: &str) -> Result<Vec<u8>, Reply> {
    match response.trim() {
        "*" => Err(Reply::new(501, "5.7.0 Authentication aborted")),
        "=" => Ok(Vec::new()),
        encoded => BASE64.decode(encoded).map_err(|_| Reply::new(501, "5.5.2 Error: cannot decode response")),
    }
}

/// `authzid NUL authcid NUL password` (RFC 4616); an authzid other than the user itself is not allowed.
pub(super) fn plain_credentials(decoded: &[u8]) -> Option<(String, Vec<u8>)> {
    let mut parts = decoded.splitn(3, |&b| b == 0);
    let (authzid, user, password) = (parts.next()?, parts.next()?, parts.next()?);
    if !authzid.is_empty() && authzid != user {
        return None;
    }
    Some((String::from_utf8_lossy(user).into_owned(), password.to_vec()))
}

pub(super) fn roll(rate: f64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        return false;
    }
    rate >= 1.0 || rand::random::<f64>() < rate
}
