//! SMS encoding and segment counting (3GPP TS 23.038): GSM-7 when every character is in the
//! default alphabet (extension characters take two septets), UCS-2 otherwise (any Arabic).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

impl SmsEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsEncoding::Gsm7 => "gsm7",
            SmsEncoding::Ucs2 => "ucs2",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "gsm7" => Some(SmsEncoding::Gsm7),
            "ucs2" => Some(SmsEncoding::Ucs2),
            _ => None,
        }
    }
}

/// Twilio's limit on a message body, in characters.
pub const MAX_BODY_CHARS: usize = 1600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentInfo {
    pub encoding: SmsEncoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: u32,
    pub segments: u32,
    /// Units left before another segment is needed.
    pub remaining: u32,
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

pub fn segment_info(body: &str) -> SegmentInfo {
    let mut septets = 0u32;
    let mut gsm = true;
    for c in body.chars() {
        if GSM7_BASIC.contains(c) {
            septets += 1;
        } else if GSM7_EXTENSION.contains(c) {
            septets += 2;
        } else {
            gsm = false;
            break;
        }
    }
    let (encoding, units, single, multi) = if gsm {
        (SmsEncoding::Gsm7, septets, 160, 153)
    } else {
        (SmsEncoding::Ucs2, body.encode_utf16().count() as u32, 70, 67)
    };
    let segments = if units <= single { 1 } else { units.div_ceil(multi) };
    let capacity = if segments == 1 { single } else { segments * multi };
    SegmentInfo { encoding, units, segments, remaining: capacity.saturating_sub(units) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_latin_fits_160_then_splits_by_153() {
        assert_eq!(segment_info(&"a".repeat(160)).segments, 1);
        assert_eq!(segment_info(&"a".repeat(161)).segments, 2);
        assert_eq!(segment_info(&"a".repeat(306)).segments, 2);
        assert_eq!(segment_info(&"a".repeat(307)).segments, 3);
    }

    #[test]
    fn extension_characters_count_twice() {
        let info = segment_info("€{}");
        assert_eq!((info.encoding, info.units), (SmsEncoding::Gsm7, 6));
    }

    #[test]
    fn arabic_is_ucs2_70_then_67() {
        let info = segment_info(&"م".repeat(70));
        assert_eq!((info.encoding, info.segments, info.remaining), (SmsEncoding::Ucs2, 1, 0));
        assert_eq!(segment_info(&"م".repeat(71)).segments, 2);
        assert_eq!(segment_info(&"م".repeat(134)).segments, 2);
        assert_eq!(segment_info(&"م".repeat(135)).segments, 3);
    }

    #[test]
    fn an_emoji_takes_two_utf16_units() {
        assert_eq!(segment_info("😀").units, 2);
    }

    #[test]
    fn empty_is_one_segment_with_all_room_left() {
        let info = segment_info("");
        assert_eq!((info.segments, info.remaining), (1, 160));
    }
}
