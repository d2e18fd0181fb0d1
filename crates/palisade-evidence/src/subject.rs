//! What a request's subject names: an OCI artifact (`oci://registry/repo[:tag][@digest]`) or a URL
//! (`https://…`), and whether plain HTTP may be used to reach it.

use oci_client::Reference;

use crate::FetchError;

/// A parsed subject.
#[derive(Debug, Clone)]
pub enum Subject {
    /// An artifact in an OCI registry.
    Oci(Reference),
    /// A file on an HTTP(S) server.
    Url(reqwest::Url),
}

impl Subject {
    /// Parse `oci://…`, `https://…` or `http://…`.
    ///
    /// # Errors
    /// Anything else, or a reference/URL that does not parse.
    pub fn parse(subject: &str) -> Result<Self, FetchError> {
        let invalid = |reason: String| FetchError::InvalidReference { subject: subject.to_string(), reason };
        if let Some(rest) = subject.strip_prefix("oci://") {
            return parse_reference(rest).map(Subject::Oci).map_err(invalid);
        }
        if subject.starts_with("https://") || subject.starts_with("http://") {
            let url = reqwest::Url::parse(subject).map_err(|e| invalid(e.to_string()))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid("the URL has no host".into()));
            }
            return Ok(Subject::Url(url));
        }
        Err(invalid("expected oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST] or an https:// URL".into()))
    }
}

/// Parse `registry/repo[:tag][@digest]` (no scheme). The registry must be explicit: a name like
/// `nginx` is not silently resolved to Docker Hub.
///
/// # Errors
/// The reason, in words.
pub fn parse_reference(text: &str) -> Result<Reference, String> {
    let first = text.split('/').next().unwrap_or_default();
    let explicit_registry = text.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if !explicit_registry {
        return Err("the registry must be explicit (e.g. ghcr.io/org/app:1.0)".into());
    }
    let reference: Reference = text.parse().map_err(|e: oci_client::ParseError| e.to_string())?;
    if let Some(digest) = reference.digest()
        && crate::digest::sha256_hex(digest).is_none()
    {
        return Err(format!("unsupported digest `{digest}` (expected sha256:<64 lowercase hex>)"));
    }
    Ok(reference)
}

/// Whether `host` (a registry `host[:port]` or a URL host) is a loopback name or address.
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    let host = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else if host.matches(':').count() == 1 {
        host.split(':').next().unwrap_or_default()
    } else {
        host
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::{Subject, is_loopback, parse_reference};

    #[test]
    fn loopback_hosts() {
        for host in ["127.0.0.1", "127.0.0.1:5000", "localhost:5000", "LOCALHOST", "[::1]:5000", "::1", "127.1.2.3"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["ghcr.io", "10.0.0.1:5000", "localhost.example", "[::2]:80", "0.0.0.0"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn references() {
        let r = parse_reference("127.0.0.1:5000/charts/demo:0.1.0").unwrap();
        assert_eq!((r.registry(), r.repository(), r.tag()), ("127.0.0.1:5000", "charts/demo", Some("0.1.0")));
        let r = parse_reference("ghcr.io/a/b@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            .unwrap();
        assert_eq!(r.digest(), Some("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assert_eq!(
            parse_reference("nginx:1.27").unwrap_err(),
            "the registry must be explicit (e.g. ghcr.io/org/app:1.0)"
        );
        assert_eq!(
            parse_reference("library/nginx").unwrap_err(),
            "the registry must be explicit (e.g. ghcr.io/org/app:1.0)"
        );
        assert!(parse_reference("ghcr.io/a/B:1").is_err());
    }

    #[test]
    fn subjects() {
        assert!(matches!(Subject::parse("oci://localhost:5000/x:1"), Ok(Subject::Oci(_))));
        assert!(matches!(Subject::parse("https://charts.example/x-1.0.0.tgz"), Ok(Subject::Url(_))));
        assert_eq!(
            Subject::parse("ftp://x/y").unwrap_err().to_string(),
            "invalid reference `ftp://x/y`: expected oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST] or an https:// URL"
        );
    }
}
