//! The secrets a URL can carry, found by their shape, so a Callback URL typed with
//! a credential in it is masked like any `writeOnly` field:
//!
//! - the userinfo (`https://user:pass@host/…`);
//! - a path segment that looks like a bot token (`bot123456:AA…`, Telegram's
//!   form) or like a generated key: 24 or more letters, digits, `-` or `_`, with
//!   both letters and digits (a Slack or Discord webhook token, an Apps Script
//!   deployment id);
//! - the value of a query parameter named like a secret (`token`, `key`,
//!   `secret`, `sig`, `signature`, `password`, `auth`, `api_key`, `accessToken`…).
//!
//! Parts holding a `{{ … }}` placeholder are rendered per event and are not
//! secrets; parts already masked are left as they are. A span is a byte range of the URL text as written.

use std::ops::Range;

use super::MASK;

/// Words that make a query parameter's name a secret's.
const SECRET_WORDS: [&str; 11] = [
    "token",
    "key",
    "secret",
    "sig",
    "signature",
    "password",
    "passwd",
    "pwd",
    "pass",
    "auth",
    "credential",
];

/// Shortest path segment taken for a generated key.
const KEY_SEGMENT_CHARS: usize = 24;

/// The byte ranges of `url` that hold secrets, in order.
pub fn secret_spans(url: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let Some(scheme_end) = url.find("://") else {
        return spans;
    };
    let start = scheme_end + 3;
    let rest = &url[start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if let Some(at) = rest[..authority_len].rfind('@')
        && !rest.starts_with(MASK)
    {
        spans.push(start..start + at);
    }
    let path_start = start + authority_len;
    let after = &url[path_start..];
    let path_len = after.find(['?', '#']).unwrap_or(after.len());
    let mut offset = path_start;
    for segment in url[path_start..path_start + path_len].split('/') {
        if let Some(token) = secret_segment(segment) {
            let at = offset + (segment.len() - token.len());
            spans.push(at..at + token.len());
        }
        offset += segment.len() + 1;
    }
    let query_start = path_start + path_len;
    if url[query_start..].starts_with('?') {
        let query = &url[query_start + 1..];
        let query = &query[..query.find('#').unwrap_or(query.len())];
        let mut offset = query_start + 1;
        for pair in query.split('&') {
            if let Some((name, value)) = pair.split_once('=')
                && secret_name(name)
                && !value.is_empty()
                && !value.contains("{{")
                && !value.starts_with(MASK)
            {
                let at = offset + name.len() + 1;
                spans.push(at..at + value.len());
            }
            offset += pair.len() + 1;
        }
    }
    spans
}

/// The secret part of a path segment: a bot token (without its `bot` prefix) or
/// a generated key.
fn secret_segment(segment: &str) -> Option<&str> {
    if segment.contains("{{") {
        return None;
    }
    let token = segment.strip_prefix("bot").unwrap_or(segment);
    let is_bot_token = token.split_once(':').is_some_and(|(bot, secret)| {
        (1..=20).contains(&bot.len())
            && bot.bytes().all(|b| b.is_ascii_digit())
            && secret.len() >= 20
            && secret.bytes().all(key_byte)
    });
    if is_bot_token {
        return Some(token);
    }
    let is_key = segment.len() >= KEY_SEGMENT_CHARS
        && segment.bytes().all(key_byte)
        && segment.bytes().any(|b| b.is_ascii_digit())
        && segment.bytes().any(|b| b.is_ascii_alphabetic());
    is_key.then_some(segment)
}

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether a query parameter's name is a secret's: one of its words (split at
/// `_`, `-`, `.` and lower-to-upper case changes) is a secret word, or the
/// whole name ends with one (`apikey`, `accesstoken`).
fn secret_name(name: &str) -> bool {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        let boundary = !c.is_ascii_alphanumeric() || (previous_lower && c.is_ascii_uppercase());
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    words.push(word);
    let whole = name.to_ascii_lowercase();
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || ["token", "key", "secret", "password", "signature"]
            .iter()
            .any(|end| whole.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(url: &str) -> Vec<&str> {
        secret_spans(url).into_iter().map(|s| &url[s]).collect()
    }

    #[test]
    fn finds_userinfo_tokens_keys_and_secret_named_values() {
        assert_eq!(
            secrets(
                "https://api.telegram.org/bot123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE/sendMessage?chat_id=-100&text=Order {{ checkout.id }}"
            ),
            ["123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE"]
        );
        assert_eq!(
            secrets(
                "https://ops:hunter22@hooks.example.com/in?apiKey=k-123456&x=1&access_token=abc&sig=&token={{ checkout.id }}"
            ),
            ["ops:hunter22", "k-123456", "abc"]
        );
        assert_eq!(
            secrets(
                "https://script.google.com/macros/s/AKfycbx1234567890abcdefghijklmnopqrstuvwxyz/exec"
            ),
            ["AKfycbx1234567890abcdefghijklmnopqrstuvwxyz"]
        );
        assert_eq!(
            secrets(
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXX1"
            ),
            ["XXXXXXXXXXXXXXXXXXXXXXX1"]
        );
    }

    #[test]
    fn leaves_ordinary_urls_alone() {
        for url in [
            "https://hooks.example.com/kait/orders?shop=mirfaith&design=blue&monkeys=3",
            "https://example.com/sendMessage/notifications-for-the-shop",
            "https://example.com/{{ checkout.id }}/bot1:{{ x }}",
            "not a url",
            "https://••••ab@example.com/exec?user_content_key=••••7f3a",
        ] {
            assert_eq!(secrets(url), Vec::<&str>::new(), "{url}");
        }
    }
}
