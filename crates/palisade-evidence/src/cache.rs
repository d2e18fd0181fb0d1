//! On-disk cache of digest-addressed content (manifests and blobs fetched by digest):
//! `<dir>/blobs/sha256/<hex>`. Content is checked against its digest when written and when read,
//! so a corrupted or planted file is dropped, never served. Tags are never cached.

use std::path::{Path, PathBuf};

use crate::digest;

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache rooted at `dir` (created on first write).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Cache { root: dir.into() }
    }

    /// The default location: `$XDG_CACHE_HOME/palisade`, else `$HOME/.cache/palisade`.
    #[must_use]
    pub fn default_dir() -> Option<PathBuf> {
        let xdg = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()).map(PathBuf::from);
        let base =
            xdg.or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("palisade"))
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        digest::sha256_hex(digest).map(|hex| self.root.join("blobs").join("sha256").join(hex))
    }

    /// The content named `digest`, if cached and intact. A file whose content does not match is
    /// removed.
    #[must_use]
    pub fn get(&self, digest: &str) -> Option<Vec<u8>> {
        let path = self.path(digest)?;
        let bytes = std::fs::read(&path).ok()?;
        if digest::sha256(&bytes) == digest {
            tracing::debug!(digest, "cache hit");
            Some(bytes)
        } else {
            tracing::warn!(path = %path.display(), "cached content does not match its digest; removed");
            let _ = std::fs::remove_file(&path);
            None
        }
    }

    /// Store `bytes` under `digest` if they match it. Failures to write are logged, not fatal: the
    /// cache only saves work.
    pub fn put(&self, digest: &str, bytes: &[u8]) {
        let Some(path) = self.path(digest) else { return };
        if digest::sha256(bytes) != digest {
            tracing::warn!(digest, "not caching content that does not match its digest");
            return;
        }
        if path.exists() {
            return;
        }
        let write = || -> std::io::Result<()> {
            let dir = path.parent().unwrap_or(&self.root);
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(
                ".{}.{}.tmp",
                path.file_name().and_then(|n| n.to_str()).unwrap_or("blob"),
                std::process::id()
            ));
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            tracing::warn!(path = %path.display(), error = %e, "could not write to the evidence cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cache;
    use crate::digest;

    #[test]
    fn stores_and_serves_by_digest() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let d = digest::sha256(b"hello");
        assert_eq!(cache.get(&d), None);
        cache.put(&d, b"hello");
        assert_eq!(cache.get(&d), Some(b"hello".to_vec()));
        let hex = digest::sha256_hex(&d).unwrap();
        assert!(dir.path().join("blobs/sha256").join(hex).is_file());
    }

    #[test]
    fn refuses_content_that_does_not_match() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let d = digest::sha256(b"hello");
        cache.put(&d, b"tampered");
        assert_eq!(cache.get(&d), None);
        // A planted file is dropped on read.
        let path = dir.path().join("blobs/sha256").join(digest::sha256_hex(&d).unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"planted").unwrap();
        assert_eq!(cache.get(&d), None);
        assert!(!path.exists());
        // Digests that are not sha256 hex never become paths.
        cache.put("sha256:../../x", b"x");
        assert_eq!(cache.get("sha256:../../x"), None);
    }
}
