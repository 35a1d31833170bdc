//! Showing secrets without revealing them: `••••` plus the last four characters.

/// Masks `secret`, keeping only its last four characters (none if it is short).
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return "••••".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn keeps_only_the_tail_of_long_secrets() {
        assert_eq!(mask("123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE"), "••••MPLE");
        assert_eq!(mask("short"), "••••");
    }
}
