//! Helm HTTP(S) repositories: a chart `.tgz` and its `.prov` beside it. Redirects are followed
//! only to hosts the plain-HTTP rule allows.

use futures_util::StreamExt as _;
use reqwest::{StatusCode, Url};

use crate::{Ctx, Evidence, FetchConfig, FetchError, digest};

/// The HTTP client.
pub struct Http {
    client: reqwest::Client,
}

/// Whether plain HTTP to `url` is allowed.
fn allowed(url: &Url, plain_http: bool) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => plain_http || url.host_str().is_some_and(crate::is_loopback),
        _ => false,
    }
}

impl Http {
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        let plain_http = config.plain_http;
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if allowed(attempt.url(), plain_http) {
                attempt.follow()
            } else {
                let to = attempt.url().to_string();
                attempt.error(format!("refusing a redirect to {to} (plain HTTP to a host that is not loopback)"))
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            .redirect(redirects)
            .build()
            .map_err(|e| FetchError::Setup(format!("creating the HTTP client: {e}")))?;
        Ok(Http { client })
    }

    /// GET `url` as evidence of `kind`. A 404 is `None` when `optional`, an error otherwise.
    pub async fn file(
        &self,
        ctx: &Ctx<'_>,
        url: Url,
        kind: &str,
        optional: bool,
    ) -> Result<Option<Evidence>, FetchError> {
        let what = if kind == crate::kinds::HELM_PROVENANCE { format!("provenance {url}") } else { url.to_string() };
        if !allowed(&url, ctx.config.plain_http) {
            return Err(FetchError::PlainHttp {
                subject: ctx.subject.to_string(),
                host: url.host_str().unwrap_or_default().to_string(),
            });
        }
        let limit = ctx.config.max_blob_bytes;
        let response = self.client.get(url.clone()).send().await.map_err(|e| error(ctx, &what, &e))?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND if optional => {
                tracing::debug!(%url, "not found: unsigned");
                return Ok(None);
            }
            status => return Err(ctx.remote(what, format!("HTTP {status}"))),
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(ctx.too_large(what, limit));
        }
        let mut data = Vec::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| error(ctx, &what, &e))?;
            if (data.len() + chunk.len()) as u64 > limit {
                return Err(ctx.too_large(what, limit));
            }
            data.extend_from_slice(&chunk);
        }
        let file_name = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default().to_string();
        let file_name = file_name.strip_suffix(".prov").map_or(file_name.clone(), str::to_string);
        let digest = digest::sha256(&data);
        Ok(Some(Evidence {
            subject: ctx.subject.to_string(),
            kind: kind.to_string(),
            media_type: String::new(),
            annotations: vec![
                ("url".into(), url.to_string()),
                ("digest".into(), digest),
                ("file-name".into(), file_name),
            ],
            data,
        }))
    }
}

fn error(ctx: &Ctx<'_>, what: &str, e: &reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return ctx.timeout(what);
    }
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    ctx.remote(what, reason)
}

#[cfg(test)]
mod tests {
    use reqwest::Url;

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(super::allowed(&url("https://charts.example/x.tgz"), false));
        assert!(super::allowed(&url("http://127.0.0.1:8080/x.tgz"), false));
        assert!(super::allowed(&url("http://[::1]:8080/x.tgz"), false));
        assert!(!super::allowed(&url("http://charts.example/x.tgz"), false));
        assert!(super::allowed(&url("http://charts.example/x.tgz"), true));
        assert!(!super::allowed(&url("file:///etc/passwd"), true));
    }
}
