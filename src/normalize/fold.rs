//! Unicode folding: one lowercase, mostly-ASCII string out of whatever came in.
//!
//! NFKD splits accented letters and compatibility forms (full-width "ＣＥＯ", ligatures); combining
//! marks are dropped; the rest of Latin script is transliterated with `deunicode` ("ß" -> "ss",
//! "ø" -> "o"). Other scripts (Cyrillic, Greek, CJK, ...) are kept as lowercase letters, not
//! romanized: a romanized Chinese title would match English aliases by accident. Control
//! characters, emoji and symbols become spaces; the punctuation that carries structure
//! (`- ( ) [ ] , ; : | / & + # . ' $`) is kept for the segmenter.

use crate::limits::MAX_INPUT_BYTES;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Cut `raw` to at most [`MAX_INPUT_BYTES`] at a character boundary. Returns the kept part and
/// whether anything was cut.
pub fn truncate(raw: &str) -> (&str, bool) {
    if raw.len() <= MAX_INPUT_BYTES {
        return (raw, false);
    }
    let mut end = MAX_INPUT_BYTES;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    (&raw[..end], true)
}

fn is_latin_extended(c: char) -> bool {
    matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF)
}

/// Fold `s` to lowercase, accent-free text with structural punctuation kept.
pub fn fold(s: &str) -> String {
    // PERF: most titles are plain ASCII; skip the Unicode machinery for them.
    if s.is_ascii() {
        return s
            .bytes()
            .map(|b| {
                if b.is_ascii_control() {
                    ' '
                } else {
                    b.to_ascii_lowercase() as char
                }
            })
            .collect();
    }
    let mut out = String::with_capacity(s.len());
    // Lowercase first, then classify: a character whose lowercase form lands in another class
    // (U+A7DC lowercases to U+019B, a Latin letter) must be treated as that form, or folding
    // twice would differ from folding once.
    for c in s
        .nfkd()
        .flat_map(char::to_lowercase)
        .flat_map(|c| std::iter::once(c).nfkd())
    {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_ascii() {
            if c.is_ascii_control() {
                out.push(' ');
            } else {
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => out.push('\''),
            '\u{00B7}' | '\u{2022}' => out.push(' '),
            _ if is_latin_extended(c) => match deunicode::deunicode_char(c) {
                Some(s) => out.extend(s.chars().map(|c| c.to_ascii_lowercase())),
                None => out.push(' '),
            },
            _ if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_width() {
        assert_eq!(fold("Sr. Développeur Back-End"), "sr. developpeur back-end");
        assert_eq!(fold("ＣＥＯ"), "ceo");
        assert_eq!(fold("Straße Ärztin"), "strasse arztin");
        assert_eq!(fold("Enfermería – UCI"), "enfermeria - uci");
    }

    #[test]
    fn keeps_other_scripts_and_drops_symbols() {
        assert_eq!(fold("Программист"), "программист");
        assert_eq!(fold("工程师🚀"), "工程师 ");
        assert_eq!(fold("a\u{0007}b"), "a b");
    }

    #[test]
    fn truncates_on_char_boundary() {
        let s = "é".repeat(MAX_INPUT_BYTES);
        let (t, cut) = truncate(&s);
        assert!(cut);
        assert!(t.len() <= MAX_INPUT_BYTES);
        assert_eq!(truncate("abc"), ("abc", false));
    }
}
