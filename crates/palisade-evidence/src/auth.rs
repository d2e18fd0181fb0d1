//! Registry credentials from the docker config (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`): `auths.<registry>.auth` (base64 `user:password`) or
//! `username`/`password`. Credential helpers (`credsStore`, `credHelpers`) are not run; a registry
//! without inline credentials is accessed anonymously, and when it refuses that, the error names
//! the config file and any helper the config would have used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::FetchError;

/// User name and password for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Basic {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for Basic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basic").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Credentials by registry host (`host[:port]`).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    by_registry: HashMap<String, Basic>,
    /// Credential helpers by registry (`credHelpers`), not run.
    helpers: HashMap<String, String>,
    /// The default credential helper (`credsStore`), not run.
    store: Option<String>,
    /// The file they were read from, or looked for (`false`: it does not exist).
    source: Option<(PathBuf, bool)>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, Entry>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
    creds_store: Option<String>,
}

#[derive(serde::Deserialize)]
struct Entry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

impl Credentials {
    /// The default docker config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    #[must_use]
    pub fn default_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
            return Some(Path::new(&dir).join("config.json"));
        }
        std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| Path::new(&h).join(".docker/config.json"))
    }

    /// Read `path`; a missing file means no credentials.
    ///
    /// # Errors
    /// The file exists but cannot be read or is not a docker config.
    pub fn load(path: &Path) -> Result<Self, FetchError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Credentials { source: Some((path.to_path_buf(), false)), ..Credentials::default() });
            }
            Err(e) => return Err(FetchError::Setup(format!("reading docker config {}: {e}", path.display()))),
        };
        let mut credentials = Self::parse(&bytes)
            .map_err(|reason| FetchError::Setup(format!("docker config {}: {reason}", path.display())))?;
        credentials.source = Some((path.to_path_buf(), true));
        Ok(credentials)
    }

    /// Parse a docker config.
    ///
    /// # Errors
    /// Not JSON of the docker config shape, or an `auth` value that is not base64 `user:password`.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let file: ConfigFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut by_registry = HashMap::new();
        for (key, entry) in file.auths {
            let basic = if let Some(auth) = entry.auth.filter(|a| !a.is_empty()) {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .map_err(|e| format!("auths.{key}.auth is not base64: {e}"))?;
                let text = String::from_utf8(decoded).map_err(|_| format!("auths.{key}.auth is not UTF-8"))?;
                let (user, pass) =
                    text.split_once(':').ok_or_else(|| format!("auths.{key}.auth is not `user:password`"))?;
                Basic { username: user.to_string(), password: pass.to_string() }
            } else if let (Some(username), Some(password)) = (entry.username, entry.password) {
                Basic { username, password }
            } else {
                continue;
            };
            by_registry.insert(normalize(&key), basic);
        }
        let helpers = file.cred_helpers.into_iter().map(|(k, v)| (normalize(&k), v)).collect();
        let store = file.creds_store.filter(|s| !s.is_empty());
        Ok(Credentials { by_registry, helpers, store, source: None })
    }

    /// Credentials for `registry` (`host[:port]`), if any.
    #[must_use]
    pub fn get(&self, registry: &str) -> Option<&Basic> {
        self.by_registry.get(&normalize(registry))
    }

    /// Why there are no credentials for `registry`, in words: which file has no entry for it, and
    /// the credential helper it names for it, which is not run.
    #[must_use]
    pub fn missing(&self, registry: &str) -> String {
        let file = match &self.source {
            Some((path, true)) => format!("the docker config {} has no `auths` entry for it", path.display()),
            Some((path, false)) => format!("there is no docker config at {}", path.display()),
            None => "no docker config was read".to_string(),
        };
        let registry = normalize(registry);
        match self.helpers.get(&registry).or(self.store.as_ref()) {
            Some(helper) => format!(
                "{file}; it names the credential helper `{helper}`, which palisade does not run (store the credentials inline in `auths`)"
            ),
            None => file,
        }
    }
}

/// `https://index.docker.io/v1/` → `docker.io`; `https://r.example:5000/` → `r.example:5000`.
fn normalize(key: &str) -> String {
    let host = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = host.split('/').next().unwrap_or(host);
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        other => other.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Basic, Credentials};

    #[test]
    fn reads_auth_and_username_password_entries() {
        let config = br#"{"auths": {
            "https://index.docker.io/v1/": {"auth": "dXNlcjpwYTpzcw=="},
            "127.0.0.1:5000": {"username": "u2", "password": "p2"},
            "ghcr.io": {}
        }, "credsStore": "desktop"}"#;
        let c = Credentials::parse(config).unwrap();
        assert_eq!(c.get("docker.io"), Some(&Basic { username: "user".into(), password: "pa:ss".into() }));
        assert_eq!(c.get("127.0.0.1:5000"), Some(&Basic { username: "u2".into(), password: "p2".into() }));
        assert_eq!(c.get("ghcr.io"), None);
    }

    #[test]
    fn rejects_malformed_auth() {
        assert_eq!(
            Credentials::parse(br#"{"auths": {"r": {"auth": "bm9jb2xvbg=="}}}"#).unwrap_err(),
            "auths.r.auth is not `user:password`"
        );
        assert_eq!(
            Credentials::parse(b"42").unwrap_err(),
            "invalid type: integer `42`, expected struct ConfigFile at line 1 column 2"
        );
    }

    #[test]
    fn says_why_a_registry_has_no_credentials() {
        let config = br#"{"auths": {"a.example": {"auth": "dTpw"}}, "credHelpers": {"b.example": "ecr-login"}, "credsStore": "desktop"}"#;
        let mut c = Credentials::parse(config).unwrap();
        assert_eq!(c.get("a.example"), Some(&Basic { username: "u".into(), password: "p".into() }));
        c.source = Some(("/home/u/.docker/config.json".into(), true));
        assert_eq!(
            c.missing("b.example"),
            "the docker config /home/u/.docker/config.json has no `auths` entry for it; it names the credential helper `ecr-login`, which palisade does not run (store the credentials inline in `auths`)"
        );
        assert_eq!(
            c.missing("c.example"),
            "the docker config /home/u/.docker/config.json has no `auths` entry for it; it names the credential helper `desktop`, which palisade does not run (store the credentials inline in `auths`)"
        );
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("config.json");
        assert_eq!(
            Credentials::load(&absent).unwrap().missing("c.example"),
            format!("there is no docker config at {}", absent.display())
        );
        assert_eq!(Credentials::default().missing("c.example"), "no docker config was read");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let b = Basic { username: "u".into(), password: "secret".into() };
        assert_eq!(format!("{b:?}"), r#"Basic { username: "u", .. }"#);
    }
}
