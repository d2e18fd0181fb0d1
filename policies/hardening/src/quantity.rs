//! Kubernetes resource quantities (`resource.Quantity`): `500m`, `0.5`, `128Mi`, `1Gi`, `1e3`, ...
//!
//! Grammar (from `k8s.io/apimachinery/pkg/api/resource`): an optionally signed decimal number
//! (`1`, `1.5`, `.5`, `5.`) followed by a binary suffix (`Ki` … `Ei`), a decimal suffix (`n`, `u`, `m`,
//! none, `k`, `M`, `G`, `T`, `P`, `E`) or a decimal exponent (`e3`, `E-2`). Values are kept exactly,
//! as a count of nano units in an `i128`, so that `1` equals `1000m` and `1Gi` equals `1073741824`;
//! precision below the nano unit is rounded up, as Kubernetes does.

use std::fmt;

use palisade_policy_sdk::Value;
use serde::{Deserialize, Deserializer};

/// A parsed quantity, exact to 10⁻⁹ of its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Quantity {
    nanos: i128,
}

/// Powers of 1024 of the binary suffixes.
const BINARY: [(&str, u32); 6] = [("Ki", 1), ("Mi", 2), ("Gi", 3), ("Ti", 4), ("Pi", 5), ("Ei", 6)];

/// Powers of ten of the decimal suffixes.
const DECIMAL: [(&str, i32); 10] =
    [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];

impl Quantity {
    /// Parses a quantity written as a string; `None` when it does not follow the grammar or does not
    /// fit (beyond about 10²⁹).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let number_len = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_len);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.len() + fraction.len() == 0 || fraction.contains('.') || whole.len() + fraction.len() > 30 {
            return None;
        }
        let (mut ten, two) = Self::suffix(suffix)?;
        ten += 9 - i32::try_from(fraction.len()).ok()?;
        let mut magnitude: u128 = format!("{whole}{fraction}").parse().ok()?;
        magnitude = magnitude.checked_mul(1_u128.checked_shl(two * 10)?)?;
        let scale = 10_u128.checked_pow(ten.unsigned_abs())?;
        magnitude = if ten >= 0 { magnitude.checked_mul(scale)? } else { magnitude.div_ceil(scale) };
        let nanos = i128::try_from(magnitude).ok()?;
        Some(Self { nanos: if negative { -nanos } else { nanos } })
    }

    /// The power of ten and the power of 1024 a suffix stands for.
    fn suffix(suffix: &str) -> Option<(i32, u32)> {
        if let Some((_, power)) = BINARY.iter().find(|(s, _)| *s == suffix) {
            return Some((0, *power));
        }
        if let Some((_, power)) = DECIMAL.iter().find(|(s, _)| *s == suffix) {
            return Some((*power, 0));
        }
        let exponent = suffix.strip_prefix(['e', 'E'])?;
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((exponent.parse().ok()?, 0))
    }

    /// A quantity written as a JSON string or number (`cpu: 0.5` in YAML).
    pub(crate) fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::String(text) => Self::parse(text),
            Value::Number(number) => Self::parse(&number.to_string()),
            _ => None,
        }
    }

    /// Whether the quantity is zero.
    pub(crate) fn is_zero(self) -> bool {
        self.nanos == 0
    }
}

/// A quantity as written in the settings, kept with its text for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    /// The text, as the user wrote it.
    pub(crate) text: String,
    /// Its value.
    pub(crate) value: Quantity,
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Written {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let text = match &value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let value = Quantity::from_value(&value)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid quantity `{text}`")))?;
        Ok(Self { text, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    fn nanos(text: &str) -> Option<i128> {
        Quantity::parse(text).map(|q| q.nanos)
    }

    #[test]
    fn decimal_suffixes_and_fractions() {
        const G: i128 = 1_000_000_000;
        assert_eq!(nanos("100m"), Some(G / 10));
        assert_eq!(nanos("0.1"), nanos("100m"));
        assert_eq!(nanos(".1"), nanos("100m"));
        assert_eq!(nanos("1"), nanos("1000m"));
        assert_eq!(nanos("5."), Some(5 * G));
        assert_eq!(nanos("1k"), Some(1000 * G));
        assert_eq!(nanos("1M"), Some(1_000_000 * G));
        assert_eq!(nanos("1G"), Some(G * G));
        assert_eq!(nanos("1E"), Some(1_000_000_000_000_000_000 * G));
        assert_eq!(nanos("250u"), Some(250_000));
        assert_eq!(nanos("3n"), Some(3));
        assert_eq!(nanos("+2"), Some(2 * G));
        assert_eq!(nanos("-1m"), Some(-1_000_000));
        assert_eq!(nanos("0.0000000001"), Some(1), "rounded up to the nano unit");
    }

    #[test]
    fn binary_suffixes() {
        const G: i128 = 1_000_000_000;
        assert_eq!(nanos("1Ki"), Some(1024 * G));
        assert_eq!(nanos("128Mi"), nanos("134217728"));
        assert_eq!(nanos("1Gi"), nanos("1073741824"));
        assert_eq!(nanos("1.5Gi"), nanos("1536Mi"));
        assert_eq!(nanos("2Ti"), Some(2 * (1 << 40) * G));
        assert_eq!(nanos("1Ei"), Some((1 << 60) * G));
    }

    #[test]
    fn decimal_exponents() {
        assert_eq!(nanos("1e3"), nanos("1k"));
        assert_eq!(nanos("1E9"), nanos("1G"));
        assert_eq!(nanos("1e-3"), nanos("1m"));
        assert_eq!(nanos("1.5e+2"), nanos("150"));
        assert_eq!(nanos("12e0"), nanos("12"));
    }

    #[test]
    fn invalid_quantities() {
        for text in [
            "", ".", "-", "m", "Mi", "1 Gi", " 1", "1Ki2", "1KB", "1K", "1e", "1e+", "1.2.3", "--1", "1ee3", "abc",
            "1mi",
        ] {
            assert_eq!(Quantity::parse(text), None, "{text:?}");
        }
        assert_eq!(Quantity::parse("1e9999"), None, "too large");
        assert_eq!(Quantity::parse("99999999999999999999999Ei"), None, "overflows");
    }

    #[test]
    fn json_values_and_ordering() {
        assert_eq!(Quantity::from_value(&json!(0.5)), Quantity::parse("500m"));
        assert_eq!(Quantity::from_value(&json!(2)), Quantity::parse("2"));
        assert_eq!(Quantity::from_value(&json!("64Mi")), Quantity::parse("64Mi"));
        assert_eq!(Quantity::from_value(&json!(true)), None);
        assert!(Quantity::parse("500m") < Quantity::parse("1") && Quantity::parse("1Gi") > Quantity::parse("1G"));
        assert!(Quantity::parse("0m").is_some_and(Quantity::is_zero));
    }

    #[test]
    fn written_quantities_deserialize_with_their_text() {
        let written: Written = serde_json::from_value(json!("250m")).unwrap();
        assert_eq!((written.to_string(), Some(written.value)), ("250m".to_string(), Quantity::parse("250m")));
        let number: Written = serde_json::from_value(json!(1)).unwrap();
        assert_eq!(number.text, "1");
        let error = serde_json::from_value::<Written>(json!("lots")).unwrap_err();
        assert_eq!(error.to_string(), "invalid quantity `lots`");
    }
}
