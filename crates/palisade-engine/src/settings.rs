//! Settings validation against a policy's JSON Schema.

use crate::error::EngineError;

/// A compiled settings schema.
pub(crate) struct SettingsValidator {
    validator: jsonschema::Validator,
}

impl SettingsValidator {
    pub(crate) fn new(policy: &str, schema: &serde_json::Value) -> Result<Self, EngineError> {
        jsonschema::validator_for(schema)
            .map(|validator| SettingsValidator { validator })
            .map_err(|e| EngineError::Schema { policy: policy.into(), reason: e.to_string() })
    }

    /// Every violation, each prefixed with the JSON pointer of the offending setting.
    pub(crate) fn check(&self, policy: &str, settings: &serde_json::Value) -> Result<(), EngineError> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(settings)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if problems.is_empty() { Ok(()) } else { Err(EngineError::InvalidSettings { policy: policy.into(), problems }) }
    }
}
