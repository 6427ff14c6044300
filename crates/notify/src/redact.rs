//! Keeps secrets and personal data out of error texts.
//!
//! Remote servers echo what they were sent ("550 <anna@example.com>: no such
//! user", a webhook's error page quoting the request): their words go into our
//! errors only through [`remote_text`].

/// The longest remote text kept in an error, in characters.
const MAX_REMOTE_CHARS: usize = 200;

/// A remote server's words, fit for an error message: one line, at most
/// [`MAX_REMOTE_CHARS`] characters, anything that looks like an e-mail address
/// replaced, and each of `secrets` (non-empty ones) replaced.
pub(crate) fn remote_text(text: &str, secrets: &[&str]) -> String {
    let mut scrubbed = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        scrubbed = scrubbed.replace(secret, "[redacted]");
    }
    let words: Vec<&str> = scrubbed
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| if w.contains('@') { "[redacted]" } else { w })
        .collect();
    let line = words.join(" ");
    if line.chars().count() <= MAX_REMOTE_CHARS {
        line
    } else {
        let mut cut: String = line.chars().take(MAX_REMOTE_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_secrets_are_replaced() {
        let text = "550 5.1.1 <anna@example.com>: Recipient\r\nrejected token 123:ABC";
        assert_eq!(
            remote_text(text, &["123:ABC", ""]),
            "550 5.1.1 [redacted] Recipient rejected token [redacted]"
        );
    }

    #[test]
    fn long_text_is_cut() {
        let text = "x".repeat(1000);
        let out = remote_text(&text, &[]);
        assert_eq!(out.chars().count(), MAX_REMOTE_CHARS);
        assert!(out.ends_with('…'));
    }
}
