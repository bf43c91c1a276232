//! Reviewer tokens: who may read the review queue and write decisions.
//!
//! A token is either **named** (`alice:TOKEN`, from a tokens file or `--reviewer-token
//! alice:TOKEN`): the reviewer name written on decisions comes from the token; or **shared**
//! (`--reviewer-token TOKEN`): the request names the reviewer. Clients send
//! `Authorization: Bearer TOKEN`.
//!
//! Tokens are kept only as SHA-256 digests, and a presented token is compared with every
//! configured one in constant time (no early exit, fixed-length digests), so response timing
//! says nothing about how much of a token was right.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Shortest token accepted, in bytes: shorter ones are guessable.
pub const MIN_TOKEN_BYTES: usize = 12;

#[derive(Clone)]
struct Entry {
    name: Option<String>,
    digest: [u8; 32],
}

/// The configured reviewer tokens.
///
/// ```
/// use titlematch::server::Tokens;
/// let mut t = Tokens::default();
/// t.add_spec("alice:correct-horse-battery")?;   // named
/// t.add_spec("shared-team-token-1")?;           // shared: the request names the reviewer
/// assert_eq!(t.check("correct-horse-battery"), Some(Some("alice".to_string())));
/// assert_eq!(t.check("shared-team-token-1"), Some(None));
/// assert_eq!(t.check("correct-horse-batter"), None);
/// # Ok::<(), titlematch::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Tokens {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print tokens (or their digests).
        f.debug_struct("Tokens")
            .field("count", &self.entries.len())
            .finish()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Equal in constant time for equal-length inputs.
fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    // black_box keeps the compiler from turning the loop back into an early-exit compare.
    std::hint::black_box(diff) == 0
}

fn check_token(token: &str, what: &str) -> Result<()> {
    if token.len() < MIN_TOKEN_BYTES {
        return Err(Error::Invalid(format!(
            "{what}: a token must be at least {MIN_TOKEN_BYTES} bytes long"
        )));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Invalid(format!(
            "{what}: a token cannot contain spaces or control characters"
        )));
    }
    Ok(())
}

impl Tokens {
    /// No tokens: the review API answers 403 (review disabled).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Add a named token (`name` is checked like a reviewer name).
    pub fn add_named(&mut self, name: &str, token: &str) -> Result<()> {
        let name = crate::review::check_reviewer(name)?;
        check_token(token, &format!("token of {name}"))?;
        self.entries.push(Entry {
            name: Some(name),
            digest: digest(token),
        });
        Ok(())
    }

    /// Add a shared token: requests made with it name their reviewer.
    pub fn add_shared(&mut self, token: &str) -> Result<()> {
        check_token(token, "shared token")?;
        self.entries.push(Entry {
            name: None,
            digest: digest(token),
        });
        Ok(())
    }

    /// Add `NAME:TOKEN` (named) or `TOKEN` (shared), as `--reviewer-token` takes it.
    pub fn add_spec(&mut self, spec: &str) -> Result<()> {
        match spec.split_once(':') {
            Some((name, token)) => self.add_named(name, token),
            None => self.add_shared(spec),
        }
    }

    /// Read a tokens file: one `name:token` per line; blank lines and lines starting with `#`
    /// are skipped.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        self.add_file_text(&text, &path.display().to_string())
    }

    fn add_file_text(&mut self, text: &str, file: &str) -> Result<()> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, token)) = line.split_once(':') else {
                return Err(Error::data(
                    file,
                    Some(i + 1),
                    "line",
                    "expected name:token",
                ));
            };
            self.add_named(name, token.trim())
                .map_err(|e| Error::data(file, Some(i + 1), "token", e.to_string()))?;
        }
        Ok(())
    }

    /// The token's owner: `Some(Some(name))` for a named token, `Some(None)` for a shared one,
    /// `None` when the token is not configured. Every configured token is compared.
    pub fn check(&self, token: &str) -> Option<Option<String>> {
        let d = digest(token);
        let mut found: Option<&Entry> = None;
        for e in &self.entries {
            let eq = ct_eq(&e.digest, &d);
            if eq && found.is_none() {
                found = Some(e);
            }
        }
        found.map(|e| e.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_file_lines() {
        let mut t = Tokens::default();
        t.add_file_text(
            "# reviewers\n\nalice:alice-token-123456\n bob : bob-token-1234567 \n",
            "tokens",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.check("alice-token-123456"), Some(Some("alice".into())));
        assert_eq!(t.check("bob-token-1234567"), Some(Some("bob".into())));
        assert_eq!(t.check("alice-token-12345"), None);
        assert_eq!(t.check(""), None);
    }

    #[test]
    fn bad_lines_name_the_line() {
        let mut t = Tokens::default();
        let e = t
            .add_file_text("alice:alice-token-123456\nno colon here\n", "tokens.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tokens.txt:2"), "{e}");
        let e = t
            .add_file_text("carol:short\n", "tokens.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least"), "{e}");
        let e = t
            .add_file_text("titlematch:system-token-123456\n", "tokens.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("reserved"), "{e}");
    }

    #[test]
    fn constant_time_compare_is_a_compare() {
        let a = digest("x");
        let mut b = a;
        assert!(ct_eq(&a, &b));
        b[31] ^= 1;
        assert!(!ct_eq(&a, &b));
        b = a;
        b[0] ^= 0x80;
        assert!(!ct_eq(&a, &b));
    }

    #[test]
    fn debug_hides_tokens() {
        let mut t = Tokens::default();
        t.add_spec("alice:very-secret-token").unwrap();
        let s = format!("{t:?}");
        assert!(!s.contains("secret") && !s.contains("alice"), "{s}");
    }
}
