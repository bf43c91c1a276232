//! Split a folded title into segments and tokens.
//!
//! Segments are the parts a title is made of in HR exports: "VP, Sales - EMEA (Remote)" has four
//! (`vp`, `sales`, `emea`, `remote`). Commas, semicolons, colons, pipes, brackets and a dash
//! with a space beside it end a segment. Inside a segment, tokens are words; a hyphen between
//! letters splits words ("back-end" -> `back end`), dots inside initialisms are dropped
//! ("R.N." -> `rn`), apostrophes are dropped ("director's" -> `directors`), and short
//! slashed or ampersand acronyms stay whole ("A/P", "UI/UX", "R&D"). A longer slash ("Controller /
//! Office Manager") and "&" or "and" between words mark a possible compound-title break.

/// A token as cut from the text, before abbreviations and noise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken {
    /// The token text (lowercase).
    pub text: String,
    /// A compound-title break ("/", "&", "and") stands right before this token.
    pub break_before: bool,
}

/// A run of tokens between segment separators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawSegment {
    /// The tokens, in order.
    pub tokens: Vec<RawToken>,
    /// The segment was inside parentheses or brackets.
    pub bracketed: bool,
}

struct Cutter {
    segments: Vec<RawSegment>,
    seg: RawSegment,
    tok: String,
    dotted: bool,
    pending_break: bool,
    depth: u32,
}

impl Cutter {
    fn end_token(&mut self) {
        if !self.tok.is_empty() {
            let text = std::mem::take(&mut self.tok);
            let is_and = text == "and";
            let pending = std::mem::take(&mut self.pending_break);
            self.seg.tokens.push(RawToken {
                text,
                break_before: pending || is_and,
            });
        }
        self.dotted = false;
    }

    fn end_segment(&mut self) {
        self.end_token();
        self.pending_break = false;
        if !self.seg.tokens.is_empty() {
            let bracketed = self.depth > 0;
            let mut seg = std::mem::take(&mut self.seg);
            seg.bracketed = bracketed;
            self.segments.push(seg);
        }
    }
}

/// Length of the word that starts at `from`, counting letters and digits and reading through
/// apostrophes (which the cutter drops, joining the word).
fn alnum_run_len(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '\'')
        .filter(|c| c.is_alphanumeric())
        .count()
}

/// Cut folded text into segments of raw tokens.
pub fn segment(folded: &str) -> Vec<RawSegment> {
    let chars: Vec<char> = folded.chars().collect();
    let mut c = Cutter {
        segments: Vec::new(),
        seg: RawSegment::default(),
        tok: String::new(),
        dotted: false,
        pending_break: false,
        depth: 0,
    };
    let n = chars.len();
    for i in 0..n {
        let ch = chars[i];
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        // The next character that stays (apostrophes are dropped, so look past them).
        let next = chars[(i + 1).min(n)..]
            .iter()
            .copied()
            .find(|c| *c != '\'')
            .unwrap_or(' ');
        match ch {
            _ if ch.is_alphanumeric() => c.tok.push(ch),
            ',' | ';' | ':' | '|' => c.end_segment(),
            '(' | '[' | '{' => {
                c.end_segment();
                c.depth += 1;
            }
            ')' | ']' | '}' => {
                c.end_segment();
                c.depth = c.depth.saturating_sub(1);
            }
            '-' if prev.is_whitespace() || next.is_whitespace() || i == 0 || i + 1 == n => {
                c.end_segment()
            }
            '/' => {
                let left = c.tok.chars().count();
                let right = if i + 1 < n {
                    alnum_run_len(&chars, i + 1)
                } else {
                    0
                };
                // Not after a dotted word ("a.a/..."): the dots after it would keep joining
                // letters to the acronym, and the same text read again would cut it elsewhere.
                if (1..=3).contains(&left)
                    && (1..=3).contains(&right)
                    && !c.tok.contains('/')
                    && !c.dotted
                {
                    c.tok.push('/');
                } else {
                    c.end_token();
                    if !c.seg.tokens.is_empty() {
                        c.pending_break = true;
                    }
                }
            }
            '&' => {
                let left = c.tok.chars().count();
                if (1..=2).contains(&left)
                    && next.is_alphanumeric()
                    && alnum_run_len(&chars, i + 1) <= 2
                    && !c.dotted
                {
                    c.tok.push('&');
                } else {
                    c.end_token();
                    c.tok.push_str("and");
                    c.end_token();
                }
            }
            '+' | '#' if !c.tok.is_empty() && !next.is_alphanumeric() => c.tok.push(ch),
            '.' if next.is_alphabetic()
                && (c.dotted
                    || (c.tok.chars().count() == 1 && c.tok.chars().all(char::is_alphabetic))) =>
            {
                c.dotted = true;
            }
            '\'' => {}
            _ => c.end_token(),
        }
    }
    c.end_segment();
    c.segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<Vec<String>> {
        segment(s)
            .into_iter()
            .map(|g| g.tokens.into_iter().map(|t| t.text).collect())
            .collect()
    }

    #[test]
    fn segments_on_commas_dashes_and_brackets() {
        assert_eq!(
            texts("vp, sales - emea (remote)"),
            vec![vec!["vp"], vec!["sales"], vec!["emea"], vec!["remote"]]
        );
        assert!(segment("rn - icu (nights)")[2].bracketed);
        assert_eq!(
            texts("back-end engineer"),
            vec![vec!["back", "end", "engineer"]]
        );
        assert_eq!(texts("cdl-a driver"), vec![vec!["cdl", "a", "driver"]]);
    }

    #[test]
    fn keeps_acronyms_whole() {
        assert_eq!(texts("a/p clerk"), vec![vec!["a/p", "clerk"]]);
        assert_eq!(texts("ui/ux designer"), vec![vec!["ui/ux", "designer"]]);
        assert_eq!(texts("r&d engineer"), vec![vec!["r&d", "engineer"]]);
        assert_eq!(texts("c++ developer"), vec![vec!["c++", "developer"]]);
        assert_eq!(
            texts("r.n. sr. director's"),
            vec![vec!["rn", "sr", "directors"]]
        );
    }

    #[test]
    fn marks_compound_breaks() {
        let s = segment("controller / office manager");
        assert!(s[0].tokens[1].break_before);
        let s = segment("bookkeeper & receptionist");
        assert_eq!(
            s[0].tokens
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>(),
            ["bookkeeper", "and", "receptionist"]
        );
        assert!(s[0].tokens[1].break_before && !s[0].tokens[2].break_before);
    }
}
