//! Settings of the policy and their JSON Schema.

use palisade_policy_sdk::Value;

use crate::sigstore::{Identity, Matcher};

/// JSON Schema of the settings; the host validates against it before `evaluate`.
pub const SCHEMA: &str = r##"{
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
    },
    "identities": {
      "type": "array",
      "items": {"$ref": "#/$defs/keyless"},
      "description": "Keyless signers accepted for blobs (`palisade verify blob`): any one must match."
    },
    "verifyImages": {
      "type": "array",
      "items": {"$ref": "#/$defs/imageRule"},
      "description": "Image signature rules, shaped like Kyverno's verifyImages."
    }
  },
  "$defs": {
    "keyless": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "subject": {"type": "string", "minLength": 1},
        "subjectRegExp": {"type": "string", "minLength": 1},
        "issuer": {"type": "string", "minLength": 1},
        "issuerRegExp": {"type": "string", "minLength": 1},
        "trustedRoot": {"type": "string", "description": "Subject of the sigstore-trusted-root evidence to use (default: all)."}
      },
      "oneOf": [{"required": ["subject"]}, {"required": ["subjectRegExp"]}],
      "anyOf": [{"required": ["issuer"], "not": {"required": ["issuerRegExp"]}}, {"required": ["issuerRegExp"], "not": {"required": ["issuer"]}}]
    },
    "imageRule": {
      "type": "object",
      "additionalProperties": false,
      "required": ["imageReferences", "attestors"],
      "properties": {
        "imageReferences": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "attestors": {
          "type": "array",
          "minItems": 1,
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["entries"],
            "properties": {
              "count": {"type": "integer", "minimum": 1},
              "entries": {
                "type": "array",
                "minItems": 1,
                "items": {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "keys": {
                      "type": "object",
                      "additionalProperties": false,
                      "properties": {
                        "publicKeys": {"type": "string", "description": "PEM public key"},
                        "name": {"type": "string", "description": "Subject of a cosign-public-key evidence"}
                      }
                    },
                    "keyless": {"$ref": "#/$defs/keyless"}
                  }
                }
              }
            }
          }
        },
        "required": {"type": "boolean", "default": true},
        "verifyDigest": {"type": "boolean", "default": true},
        "mutateDigest": {"type": "boolean", "default": true}
      }
    }
  }
}"##;

/// Parsed settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Keyless signers accepted for blobs.
    pub identities: Vec<Keyless>,
    /// Image rules.
    pub images: Vec<crate::images::ImageRule>,
    /// An unsigned chart is a finding.
    pub require_provenance: bool,
    /// Accepted `files:` digest algorithms, lowercase.
    pub allowed_hashes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            identities: Vec::new(),
            images: Vec::new(),
            require_provenance: true,
            allowed_hashes: vec!["sha256".into(), "sha512".into()],
        }
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
        if let Some(v) = value.get("identities") {
            let list = v.as_array().ok_or("setting `identities` must be a list")?;
            settings.identities = list
                .iter()
                .enumerate()
                .map(|(i, k)| Keyless::parse(k).map_err(|e| format!("setting `identities[{i}]`: {e}")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = value.get("verifyImages") {
            let list = v.as_array().ok_or("setting `verifyImages` must be a list")?;
            settings.images = list
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    crate::images::ImageRule::parse(r).map_err(|e| format!("setting `verifyImages[{i}]`: {e}"))
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(settings)
    }
}

/// A keyless signer: subject and issuer, each exact or an anchored regular expression.
#[derive(Debug, Clone)]
pub struct Keyless {
    /// The identity to match.
    pub identity: Identity,
    /// Trusted root to use (evidence subject); all when `None`.
    pub trusted_root: Option<String>,
}

impl Keyless {
    /// `{subject|subjectRegExp, issuer|issuerRegExp, trustedRoot?}`.
    ///
    /// # Errors
    /// Neither or both of a pair, an invalid regular expression, unknown fields.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let obj = v.as_object().ok_or("must be an object")?;
        if let Some(k) = obj
            .keys()
            .find(|k| !["subject", "subjectRegExp", "issuer", "issuerRegExp", "trustedRoot"].contains(&k.as_str()))
        {
            return Err(format!("unknown field `{k}`"));
        }
        let matcher = |exact: &str, re: &str| -> Result<Matcher, String> {
            match (obj.get(exact).map(Value::as_str), obj.get(re).map(Value::as_str)) {
                (Some(Some(s)), None) if !s.is_empty() => Ok(Matcher::Exact(s.to_string())),
                (None, Some(Some(r))) if !r.is_empty() => Matcher::regex(r),
                (None, None) => Err(format!("one of `{exact}` or `{re}` is required")),
                (Some(_), Some(_)) => Err(format!("give `{exact}` or `{re}`, not both")),
                _ => Err(format!("`{exact}` / `{re}` must be a non-empty string")),
            }
        };
        let trusted_root = match obj.get("trustedRoot") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("`trustedRoot` must be a string".into()),
        };
        Ok(Keyless {
            identity: Identity {
                subject: matcher("subject", "subjectRegExp")?,
                issuer: matcher("issuer", "issuerRegExp")?,
            },
            trusted_root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    #[test]
    fn defaults_and_overrides() {
        let d = Settings::parse(&json!({})).unwrap();
        assert_eq!((d.require_provenance, d.allowed_hashes), (true, vec!["sha256".to_string(), "sha512".to_string()]));
        let s = Settings::parse(&json!({"requireProvenance": false, "allowedHashes": ["sha512"]})).unwrap();
        assert_eq!((s.require_provenance, s.allowed_hashes), (false, vec!["sha512".to_string()]));
        assert_eq!(
            Settings::parse(&json!({"allowedHashes": ["sha1"]})).unwrap_err(),
            "setting `allowedHashes`: \"sha1\" is not sha256 or sha512"
        );
        assert_eq!(
            Settings::parse(&json!({"identities": [{"subject": "a", "subjectRegExp": "b", "issuer": "i"}]}))
                .unwrap_err(),
            "setting `identities[0]`: give `subject` or `subjectRegExp`, not both"
        );
        assert_eq!(
            Settings::parse(&json!({"identities": [{"subject": "a", "issuerRegExp": "("}]})).unwrap_err(),
            "setting `identities[0]`: invalid regular expression `(`: regex parse error:\n    ^(?:()$\n     ^\nerror: unclosed group"
        );
    }
}
