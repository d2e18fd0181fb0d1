//! Pod Security Standards levels and policy versions, parsed as the upstream `api` package parses
//! them (`ParseLevel`, `ParseVersion`).

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A Pod Security Standards level, least restrictive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    /// No restriction.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Current pod hardening best practice; includes every baseline control.
    Restricted,
}

impl Level {
    /// The level a label value names, if it names one (`ParseLevel` without its fallback).
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "privileged" => Some(Self::Privileged),
            "baseline" => Some(Self::Baseline),
            "restricted" => Some(Self::Restricted),
            _ => None,
        }
    }
}

/// A policy version `v1.<minor>`; `latest` is the newest one this policy knows ([`Version::LATEST`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(u32);

impl Version {
    /// The newest policy version with a check revision or fixtures: what `latest` means here.
    pub(crate) const LATEST: Self = Self(37);

    /// `v1.<minor>`.
    pub(crate) const fn v1(minor: u32) -> Self {
        Self(minor)
    }

    /// Every version this policy knows, oldest first.
    pub(crate) fn all() -> impl Iterator<Item = Self> {
        (0..=Self::LATEST.0).map(Self)
    }

    /// `latest` or `v1.<minor>` (upstream's `^v1\.(0|[1-9][0-9]*)$`). A version newer than
    /// [`Version::LATEST`] is judged as the latest, as upstream does with versions newer than its
    /// newest check.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        if value == "latest" {
            return Some(Self::LATEST);
        }
        let minor = value.strip_prefix("v1.")?;
        let digits = !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit());
        let canonical = digits && (minor == "0" || !minor.starts_with('0'));
        if !canonical {
            return None;
        }
        // All digits, so the only failure left is overflow: far beyond the latest version.
        Some(minor.parse().map_or(Self::LATEST, |m| Self(m).min(Self::LATEST)))
    }

    /// Reads a settings value: `latest` or one of [`Version::all`], nothing newer.
    pub(crate) fn deserialize_setting<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        if value == "latest" {
            return Ok(Self::LATEST);
        }
        Self::all().find(|v| v.to_string() == value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown version `{value}`, expected `latest` or v1.0 to {}",
                Self::LATEST
            ))
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v1.{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_exactly_and_order_by_strictness() {
        let parsed: Vec<_> = ["privileged", "baseline", "restricted", "Baseline", ""].map(Level::parse).into();
        assert_eq!(parsed, [Some(Level::Privileged), Some(Level::Baseline), Some(Level::Restricted), None, None]);
        assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
    }

    #[test]
    fn versions_parse_like_upstream() {
        let parsed: Vec<_> =
            ["latest", "v1.0", "v1.23", "v1.37", "v1.99", "v1.99999999999", "v1.01", "v1.", "v2.0", "1.23", "v1.2a"]
                .map(Version::parse)
                .into();
        assert_eq!(
            parsed,
            [
                Some(Version::LATEST),
                Some(Version::v1(0)),
                Some(Version::v1(23)),
                Some(Version::v1(37)),
                Some(Version::LATEST),
                Some(Version::LATEST),
                None,
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(Version::v1(5).to_string(), "v1.5");
        assert_eq!(Version::all().count(), 38);
    }

    #[test]
    fn settings_accept_known_versions_only() {
        let read =
            |s: &str| Version::deserialize_setting(serde_json::Value::String(s.into())).map_err(|e| e.to_string());
        assert_eq!(read("latest"), Ok(Version::LATEST));
        assert_eq!(read("v1.19"), Ok(Version::v1(19)));
        assert_eq!(read("v1.38"), Err("unknown version `v1.38`, expected `latest` or v1.0 to v1.37".to_string()));
    }
}
