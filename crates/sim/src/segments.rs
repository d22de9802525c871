//! SMS segment counting the way carriers bill it: GSM-7 when every character fits the GSM 03.38 tables,
//! otherwise UCS-2 (which any Arabic text forces).

use serde::Serialize;

/// How a body travels over the air.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// 7-bit default alphabet; extension-table characters take an escape plus the character.
    Gsm7,
    /// 16-bit units; characters outside the BMP (most emoji) take a surrogate pair.
    Ucs2,
}

/// The outcome of counting one body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SegmentCount {
    pub encoding: Encoding,
    /// Septets for GSM-7, UTF-16 code units for UCS-2.
    pub units: usize,
    pub segments: u32,
}

/// Capacity of a lone segment and of each part of a concatenated message (the rest is the 6-byte UDH).
const GSM7_SINGLE: usize = 160;
const GSM7_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

/// GSM 03.38 default alphabet, in table order (0x1B, the escape, is left out).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// GSM 03.38 extension table: each costs two septets (escape + character).
const GSM7_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// Septets one character costs in GSM-7, or `None` when it forces UCS-2.
fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts the segments a body takes. An empty body still occupies one segment when sent.
pub fn count(body: &str) -> SegmentCount {
    let gsm: Option<Vec<usize>> = body.chars().map(gsm7_septets).collect();
    let (encoding, weights, single, part) = match gsm {
        Some(weights) => (Encoding::Gsm7, weights, GSM7_SINGLE, GSM7_PART),
        None => (Encoding::Ucs2, body.chars().map(char::len_utf16).collect(), UCS2_SINGLE, UCS2_PART),
    };
    let units: usize = weights.iter().sum();
    let segments = if units <= single {
        1
    } else {
        // An escape pair or a surrogate pair is never split across parts, so fill greedily.
        let mut segments = 1u32;
        let mut used = 0usize;
        for w in weights {
            if used + w > part {
                segments += 1;
                used = 0;
            }
            used += w;
        }
        segments
    };
    SegmentCount { encoding, units, segments }
}

/// Just the number of segments, as Twilio reports it in `num_segments`.
pub fn num_segments(body: &str) -> u32 {
    count(body).segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_latin_fits_160_in_one_segment_and_161_needs_two() {
        assert_eq!(count(&"a".repeat(160)).segments, 1);
        assert_eq!(count(&"a".repeat(160)).encoding, Encoding::Gsm7);
        assert_eq!(count(&"a".repeat(161)).segments, 2);
        assert_eq!(count(&"a".repeat(306)).segments, 2);
        assert_eq!(count(&"a".repeat(307)).segments, 3);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        let euros = count(&"€".repeat(80));
        assert_eq!(euros.encoding, Encoding::Gsm7);
        assert_eq!(euros.units, 160);
        assert_eq!(euros.segments, 1);
        assert_eq!(count(&"{".repeat(81)).segments, 2);
        // 152 plain + one escape pair = 154 septets: the pair moves whole to the second part.
        let mut straddle = "a".repeat(152);
        straddle.push('€');
        straddle.push_str(&"a".repeat(152));
        assert_eq!(count(&straddle).segments, 3);
    }

    #[test]
    fn greek_and_accented_letters_of_the_basic_table_stay_gsm7() {
        let c = count("Ünïcode? no: ΔΦΓ £¥ èé ñ §¿ ¡à");
        // ï is not in the table, so this one falls back to UCS-2...
        assert_eq!(c.encoding, Encoding::Ucs2);
        // ...while this one stays GSM-7.
        assert_eq!(count("Ünicode ΔΦΓ £¥ èé ñ §¿ ¡à").encoding, Encoding::Gsm7);
    }

    #[test]
    fn arabic_fits_70_in_one_segment_and_71_needs_two() {
        assert_eq!(count(&"ب".repeat(70)).segments, 1);
        assert_eq!(count(&"ب".repeat(70)).encoding, Encoding::Ucs2);
        assert_eq!(count(&"ب".repeat(71)).segments, 2);
        assert_eq!(count(&"ب".repeat(134)).segments, 2);
        assert_eq!(count(&"ب".repeat(135)).segments, 3);
    }

    #[test]
    fn one_arabic_letter_turns_a_latin_message_into_ucs2() {
        let mut body = "a".repeat(69);
        body.push('ب');
        assert_eq!(count(&body).segments, 1);
        body.push('a');
        assert_eq!(count(&body).segments, 2);
    }

    #[test]
    fn an_emoji_counts_two_utf16_units() {
        let c = count("😀");
        assert_eq!(c.encoding, Encoding::Ucs2);
        assert_eq!(c.units, 2);
        assert_eq!(count(&"😀".repeat(35)).segments, 1);
        assert_eq!(count(&"😀".repeat(36)).segments, 2);
        // 134 units would fit two parts of 67, but the pair after unit 66 is not split: three parts.
        let mut body = "ب".repeat(66);
        body.push('😀');
        body.push_str(&"ب".repeat(66));
        assert_eq!(count(&body).units, 134);
        assert_eq!(count(&body).segments, 3);
    }

    #[test]
    fn an_empty_body_still_takes_one_segment() {
        assert_eq!(num_segments(""), 1);
    }
}
