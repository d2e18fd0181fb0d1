//! Settings of the policy and their JSON Schema.

use palisade_policy_sdk::Value;

/// JSON Schema of the settings; the host validates against it before `evaluate`.
pub const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "requireProvenance": {
      "type": "boolean",
      "default": true,
      "description": "A chart without a provenance file (.prov) is a finding. When false, unsigned charts pass and signed ones must still verify."
    },
    "allowedHashes": {
      "type": "array",
      "items": {"enum": ["sha256", "sha512"]},
      "minItems": 1,
      "uniqueItems": true,
      "default": ["sha256", "sha512"],
      "description": "Digest algorithms accepted in the provenance `files:` map. Weak digests (sha1, md5) are never accepted."
    }
  }
}"#;

/// Parsed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// An unsigned chart is a finding.
    pub require_provenance: bool,
    /// Accepted `files:` digest algorithms, lowercase.
    pub allowed_hashes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { require_provenance: true, allowed_hashes: vec!["sha256".into(), "sha512".into()] }
    }
}

impl Settings {
    /// Read settings already validated by the host; re-checks the shape (fail closed).
    ///
    /// # Errors
    /// A setting has the wrong type.
    pub fn parse(value: &Value) -> Result<Self, String> {
        let mut settings = Settings::default();
        if let Some(v) = value.get("requireProvenance") {
            settings.require_provenance = v.as_bool().ok_or("setting `requireProvenance` must be a boolean")?;
        }
        if let Some(v) = value.get("allowedHashes") {
            let list = v.as_array().ok_or("setting `allowedHashes` must be a list")?;
            settings.allowed_hashes = list
                .iter()
                .map(|h| match h.as_str() {
                    Some(s @ ("sha256" | "sha512")) => Ok(s.to_string()),
                    _ => Err(format!("setting `allowedHashes`: {h} is not sha256 or sha512")),
                })
                .collect::<Result<_, _>>()?;
            if settings.allowed_hashes.is_empty() {
                return Err("setting `allowedHashes` must not be empty".into());
            }
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Settings::parse(&json!({})), Ok(Settings::default()));
        let s = Settings::parse(&json!({"requireProvenance": false, "allowedHashes": ["sha512"]}));
        assert_eq!(s, Ok(Settings { require_provenance: false, allowed_hashes: vec!["sha512".into()] }));
        assert_eq!(
            Settings::parse(&json!({"allowedHashes": ["sha1"]})),
            Err("setting `allowedHashes`: \"sha1\" is not sha256 or sha512".into())
        );
    }
}
