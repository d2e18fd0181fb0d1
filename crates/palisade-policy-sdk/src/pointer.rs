//! RFC 6901 JSON pointers.

/// Escape one reference token (`~` → `~0`, `/` → `~1`).
#[must_use]
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `base` + `/token` for each token, escaped.
#[must_use]
pub fn join(base: &str, tokens: &[&str]) -> String {
    let mut out = base.to_string();
    for t in tokens {
        out.push('/');
        out.push_str(&escape(t));
    }
    out
}
