//! Errors of the fetcher. Each names the reference or URL it concerns.

/// Why evidence could not be fetched. A missing signature or provenance is not an error (the
/// artifact is unsigned); these are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The subject is not a reference or URL this fetcher understands.
    #[error("invalid reference `{subject}`: {reason}")]
    InvalidReference {
        /// The subject as given.
        subject: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request's kind is not one the fetcher serves for this subject.
    #[error("cannot fetch evidence of kind `{kind}` for `{subject}`")]
    UnsupportedKind {
        /// The subject.
        subject: String,
        /// The requested kind.
        kind: String,
    },
    /// Fetching is disabled (`--offline`) and the evidence is not available locally.
    #[error("fetching `{subject}` is not allowed offline")]
    Offline {
        /// The subject.
        subject: String,
    },
    /// Plain HTTP was refused: only loopback hosts, or any host with the explicit opt-in.
    #[error(
        "refusing plain HTTP to `{host}` for `{subject}` (only loopback hosts, unless plain HTTP is allowed explicitly)"
    )]
    PlainHttp {
        /// The subject.
        subject: String,
        /// The host.
        host: String,
    },
    /// The registry refused access: no credentials for it, or credentials it rejected.
    #[error("authentication to registry `{registry}` failed for `{subject}`: {reason}")]
    Auth {
        /// The subject.
        subject: String,
        /// The registry host (`host[:port]`).
        registry: String,
        /// Which credentials were tried, and what the registry said.
        reason: String,
    },
    /// The registry or server answered with an error, or could not be reached.
    #[error("fetching {what} of `{subject}`: {reason}")]
    Remote {
        /// The subject.
        subject: String,
        /// What was fetched (manifest, blob `sha256:…`, provenance, …).
        what: String,
        /// The underlying error, one line.
        reason: String,
    },
    /// A response was larger than allowed.
    #[error("{what} of `{subject}` is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The subject.
        subject: String,
        /// What was fetched.
        what: String,
        /// The limit, bytes.
        limit: u64,
    },
    /// Content did not match the digest that names it.
    #[error("{what} of `{subject}` does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The subject.
        subject: String,
        /// What was fetched.
        what: String,
        /// The digest that names the content.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// The registry returned something that is not what the OCI specifications describe.
    #[error("malformed {what} of `{subject}`: {reason}")]
    Malformed {
        /// The subject.
        subject: String,
        /// What was malformed.
        what: String,
        /// Why.
        reason: String,
    },
    /// The request took longer than the configured timeout.
    #[error("fetching {what} of `{subject}` timed out after {seconds} s")]
    Timeout {
        /// The subject.
        subject: String,
        /// What was fetched.
        what: String,
        /// The timeout.
        seconds: u64,
    },
    /// The whole fetch did not finish before the caller's deadline (the webhook's fetch budget).
    #[error("fetching `{subject}` did not finish within the fetch budget")]
    Deadline {
        /// The subject.
        subject: String,
    },
    /// Local set-up failed: the async runtime, the HTTP client, the docker config.
    #[error("{0}")]
    Setup(String),
}
