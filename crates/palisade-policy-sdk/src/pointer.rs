//! RFC 6901 JSON pointers.

/// Escape one reference token (`~` → `~0`, `/` → `~1`).
#[must_use]
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `base` + `/token` for each token, escaped.
#[must_use]
pub fn join(base: &str, tokens: &[&str]) -> String {
    let mut out = String::with_capacity(base.len() + tokens.iter().map(|t| t.len() + 1).sum::<usize>());
    out.push_str(base);
    for t in tokens {
        out.push('/');
        if t.contains(['~', '/']) {
            out.push_str(&escape(t));
        } else {
            out.push_str(t);
        }
    }
    out
}
