//! Label selectors: `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`, `DoesNotExist`)
//! as `metav1.LabelSelector` defines them, and the plain maps of Services and
//! ReplicationControllers.
//!
//! Label values are strings; a label or `matchLabels` value of another JSON type (which the API
//! server would refuse) never matches. What an empty selector means depends on the field (every pod
//! for a NetworkPolicy `podSelector`, no pod for a Service), so callers decide with
//! [`Selector::is_empty`].

use std::fmt;

use palisade_policy_sdk::Value;
use serde_json::Map;

/// Labels of an object.
pub(crate) type Labels = Map<String, Value>;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement<'a> {
    /// `key=value` (`matchLabels`, or a map selector).
    Equals(&'a str, &'a str),
    /// `key in (values)`.
    In(&'a str, Vec<&'a str>),
    /// `key notin (values)`: also true when the label is absent.
    NotIn(&'a str, Vec<&'a str>),
    /// `key`: the label is present.
    Exists(&'a str),
    /// `!key`: the label is absent.
    DoesNotExist(&'a str),
}

impl Requirement<'_> {
    /// The label key the requirement is about.
    fn key(&self) -> &str {
        match self {
            Self::Equals(key, _)
            | Self::In(key, _)
            | Self::NotIn(key, _)
            | Self::Exists(key)
            | Self::DoesNotExist(key) => key,
        }
    }
}

/// A parsed label selector: all requirements must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selector<'a> {
    requirements: Vec<Requirement<'a>>,
}

impl<'a> Selector<'a> {
    /// A `LabelSelector` object. `None` when it is malformed: not an object, a non-string
    /// `matchLabels` value, an unknown operator, `In`/`NotIn` without values or `Exists`/
    /// `DoesNotExist` with some.
    pub(crate) fn parse(value: &'a Value) -> Option<Self> {
        let object = value.as_object()?;
        let mut selector = match object.get("matchLabels").filter(|v| !v.is_null()) {
            Some(labels) => Self::from_map(labels)?,
            None => Self::default(),
        };
        let expressions = match object.get("matchExpressions").filter(|v| !v.is_null()) {
            Some(list) => list.as_array()?.as_slice(),
            None => &[],
        };
        for expression in expressions {
            selector.requirements.push(Self::expression(expression)?);
        }
        Some(selector)
    }

    /// A selector written as a plain map of labels (Service `spec.selector`). `None` when it is not
    /// an object or a value is not a string.
    pub(crate) fn from_map(value: &'a Value) -> Option<Self> {
        let requirements = value
            .as_object()?
            .iter()
            .map(|(key, value)| value.as_str().map(|value| Requirement::Equals(key, value)))
            .collect::<Option<_>>()?;
        Some(Self { requirements })
    }

    fn expression(expression: &'a Value) -> Option<Requirement<'a>> {
        let key = expression.get("key")?.as_str()?;
        let values: Vec<&str> = match expression.get("values").filter(|v| !v.is_null()) {
            Some(values) => values.as_array()?.iter().map(Value::as_str).collect::<Option<_>>()?,
            None => Vec::new(),
        };
        match (expression.get("operator")?.as_str()?, values.is_empty()) {
            ("In", false) => Some(Requirement::In(key, values)),
            ("NotIn", false) => Some(Requirement::NotIn(key, values)),
            ("Exists", true) => Some(Requirement::Exists(key)),
            ("DoesNotExist", true) => Some(Requirement::DoesNotExist(key)),
            _ => None,
        }
    }

    /// Whether the selector has no requirement at all (`{}`).
    pub(crate) fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether objects with `labels` (none when `None`) are selected.
    pub(crate) fn matches(&self, labels: Option<&Labels>) -> bool {
        self.matches_with(labels, &[])
    }

    /// [`Selector::matches`], taking every requirement on a key of `assumed` as met: labels a
    /// controller adds to the pods it creates (`pod-template-hash`, ...) are in no template.
    pub(crate) fn matches_with(&self, labels: Option<&Labels>, assumed: &[&str]) -> bool {
        let get = |key: &str| labels.and_then(|l| l.get(key));
        let value = |key: &str| get(key).and_then(Value::as_str);
        self.requirements.iter().filter(|r| !assumed.contains(&r.key())).all(|requirement| match requirement {
            Requirement::Equals(key, wanted) => value(key) == Some(*wanted),
            Requirement::In(key, values) => value(key).is_some_and(|v| values.contains(&v)),
            Requirement::NotIn(key, values) => value(key).is_none_or(|v| !values.contains(&v)),
            Requirement::Exists(key) => get(key).is_some(),
            Requirement::DoesNotExist(key) => get(key).is_none(),
        })
    }

    /// Labels of which every selected object carries one: the `key=value` pairs of an `Equals`
    /// requirement, or of an `In` requirement (one pair per value), on a key not in `skip`. Empty
    /// when no such requirement exists. Used to look candidates up in an index instead of testing
    /// every object.
    pub(crate) fn anchor(&self, skip: &[&str]) -> Vec<(&'a str, &'a str)> {
        let usable = self.requirements.iter().filter(|r| !skip.contains(&r.key()));
        let candidates = usable.filter_map(|requirement| match requirement {
            Requirement::Equals(key, value) => Some(vec![(*key, *value)]),
            Requirement::In(key, values) => Some(values.iter().map(|value| (*key, *value)).collect()),
            _ => None,
        });
        candidates.min_by_key(Vec::len).unwrap_or_default()
    }
}

impl fmt::Display for Selector<'_> {
    /// `kubectl`'s syntax: `app=web,tier in (a,b),tier notin (c),debug,!legacy`; `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match requirement {
                Requirement::Equals(key, value) => write!(f, "{key}={value}")?,
                Requirement::In(key, values) => write!(f, "{key} in ({})", values.join(","))?,
                Requirement::NotIn(key, values) => write!(f, "{key} notin ({})", values.join(","))?,
                Requirement::Exists(key) => f.write_str(key)?,
                Requirement::DoesNotExist(key) => write!(f, "!{key}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    fn labels(value: &Value) -> Option<&Labels> {
        value.as_object()
    }

    #[test]
    fn match_labels_require_every_pair() {
        let selector = json!({"matchLabels": {"app": "web", "tier": "front"}});
        let selector = Selector::parse(&selector).unwrap();
        assert!(selector.matches(labels(&json!({"app": "web", "tier": "front", "x": "y"}))));
        assert!(!selector.matches(labels(&json!({"app": "web"}))));
        assert!(!selector.matches(labels(&json!({"app": "web", "tier": "back"}))));
        assert!(!selector.matches(None));
        assert_eq!(selector.to_string(), "app=web,tier=front");
    }

    #[test]
    fn match_expressions_follow_kubernetes() {
        let selector = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "edge"]},
            {"key": "track", "operator": "NotIn", "values": ["canary"]},
            {"key": "team", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist", "values": []}
        ]});
        let selector = Selector::parse(&selector).unwrap();
        assert_eq!(selector.to_string(), "app=web,tier in (front,edge),track notin (canary),team,!legacy");
        let base = json!({"app": "web", "tier": "edge", "team": "a"});
        assert!(selector.matches(labels(&base)), "NotIn holds when the label is absent");
        let with = |key: &str, value: &str| {
            let mut l = base.clone();
            l[key] = json!(value);
            selector.matches(labels(&l))
        };
        assert!(with("track", "stable"));
        assert!(!with("track", "canary"));
        assert!(!with("tier", "back"));
        assert!(!with("legacy", ""));
        assert!(!selector.matches(labels(&json!({"app": "web", "tier": "edge"}))), "Exists needs the label");
    }

    #[test]
    fn empty_selectors_select_everything() {
        for value in [json!({}), json!({"matchLabels": {}}), json!({"matchLabels": null, "matchExpressions": []})] {
            let selector = Selector::parse(&value).unwrap();
            assert!(selector.is_empty() && selector.matches(None) && selector.matches(labels(&json!({"a": "b"}))));
            assert_eq!(selector.to_string(), "{}");
        }
    }

    #[test]
    fn malformed_selectors_are_refused() {
        for value in [
            json!("app=web"),
            json!({"matchLabels": ["app"]}),
            json!({"matchLabels": {"version": 1}}),
            json!({"matchExpressions": {"key": "a"}}),
            json!({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["b"]}]}),
            json!({"matchExpressions": [{"operator": "Exists"}]}),
        ] {
            assert_eq!(Selector::parse(&value), None, "{value}");
        }
    }

    #[test]
    fn map_selectors_and_non_string_labels() {
        let value = json!({"app": "web"});
        let selector = Selector::from_map(&value).unwrap();
        assert!(selector.matches(labels(&json!({"app": "web"}))));
        assert!(!selector.matches(labels(&json!({"app": 1}))));
        assert_eq!(Selector::from_map(&json!({"app": true})), None);
        assert_eq!(Selector::from_map(&json!([])), None);
        let exists = json!({"matchExpressions": [{"key": "app", "operator": "Exists"}]});
        assert!(Selector::parse(&exists).unwrap().matches(labels(&json!({"app": 1}))));
    }

    #[test]
    fn assumed_keys_count_as_met() {
        let value = json!({"matchLabels": {"app": "db", "statefulset.kubernetes.io/pod-name": "db-0"},
            "matchExpressions": [{"key": "pod-template-hash", "operator": "DoesNotExist"}]});
        let selector = Selector::parse(&value).unwrap();
        let labels = json!({"app": "db", "pod-template-hash": "x"});
        assert!(!selector.matches(labels.as_object()));
        assert!(
            selector.matches_with(labels.as_object(), &["statefulset.kubernetes.io/pod-name", "pod-template-hash"])
        );
        assert!(!selector.matches_with(json!({"app": "web"}).as_object(), &["statefulset.kubernetes.io/pod-name"]));
    }

    #[test]
    fn anchor_picks_the_narrowest_requirement() {
        let value = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]});
        assert_eq!(Selector::parse(&value).unwrap().anchor(&[]), [("app", "web")]);
        assert_eq!(Selector::parse(&value).unwrap().anchor(&["app"]), [("tier", "a"), ("tier", "b")]);
        let value = json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "x", "operator": "Exists"}]});
        assert_eq!(Selector::parse(&value).unwrap().anchor(&[]), [("tier", "a"), ("tier", "b")]);
        let value = json!({"matchExpressions": [{"key": "x", "operator": "Exists"}]});
        assert_eq!(Selector::parse(&value).unwrap().anchor(&[]), []);
    }
}
