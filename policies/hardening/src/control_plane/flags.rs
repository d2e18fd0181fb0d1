//! The command line of a control-plane container: which component it runs and its `--flags`.
//!
//! The component is found in `command` (an element equal to the binary name or ending in
//! `/<binary>`), as Checkov looks for it; flags are read from `command` followed by `args`, which is
//! the argv the container runs. Flags follow pflag, the parser every Kubernetes component uses:
//! `--name=value`, or `--name value` where the next token does not start with `-`; a bare `--name`
//! has no value (a boolean flag set to true). The last occurrence of a flag wins.

use palisade_policy_sdk::Value;

/// One `--flag` of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flag<'a> {
    /// The name without the leading `--`.
    pub(crate) name: &'a str,
    /// The value, `None` for a bare `--name`.
    pub(crate) value: Option<&'a str>,
    /// Which list the flag is in: `command` or `args`.
    pub(crate) list: &'static str,
    /// Its index in that list.
    pub(crate) index: usize,
}

impl Flag<'_> {
    /// The value, `""` for a bare flag.
    pub(crate) fn text(&self) -> &str {
        self.value.unwrap_or("")
    }

    /// The flag as written: `--name=value`, or `--name`.
    pub(crate) fn show(&self) -> String {
        match self.value {
            Some(value) => format!("--{}={value}", self.name),
            None => format!("--{}", self.name),
        }
    }

    /// Pointer tokens of the flag below its container.
    pub(crate) fn tokens(&self) -> [String; 2] {
        [self.list.to_string(), self.index.to_string()]
    }
}

/// The flags of a container's command line, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Flags<'a>(pub(crate) Vec<Flag<'a>>);

impl<'a> Flags<'a> {
    /// The flags of `command` then `args` of `container` (non-string elements are skipped).
    pub(crate) fn of(container: &'a Value) -> Self {
        let mut tokens = Vec::new();
        for list in ["command", "args"] {
            let items = container.get(list).and_then(Value::as_array).into_iter().flatten();
            tokens.extend(items.enumerate().filter_map(|(i, v)| v.as_str().map(|s| (list, i, s))));
        }
        Self::parse(&tokens)
    }

    /// Parses `(list, index, token)` triples.
    pub(crate) fn parse(tokens: &[(&'static str, usize, &'a str)]) -> Self {
        let mut flags = Vec::new();
        let mut i = 0;
        while let Some(&(list, index, token)) = tokens.get(i) {
            i += 1;
            let Some(body) = token.strip_prefix("--").filter(|b| !b.is_empty()) else {
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => match tokens.get(i) {
                    Some(&(_, _, next)) if !next.starts_with('-') => {
                        i += 1;
                        (body, Some(next))
                    }
                    _ => (body, None),
                },
            };
            flags.push(Flag { name, value, list, index });
        }
        Self(flags)
    }

    /// The last occurrence of `--name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Flag<'a>> {
        self.0.iter().rev().find(|f| f.name == name)
    }

    /// Every occurrence of `--name`.
    pub(crate) fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Flag<'a>> + 's {
        self.0.iter().filter(move |f| f.name == name)
    }
}

/// Whether `container`'s `command` runs `binary`: an element equal to it, or a path ending in
/// `/<binary>`.
pub(crate) fn runs(container: &Value, binary: &str) -> bool {
    container
        .get("command")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|token| token == binary || token.rsplit_once('/').is_some_and(|(_, base)| base == binary))
}

/// The comma-separated items of a list flag's value (`Node,RBAC`), trimmed, empty items dropped.
pub(crate) fn items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    fn flag(name: &str, value: Option<&'static str>, list: &'static str, index: usize) -> Flag<'static> {
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        Flag { name, value, list, index }
    }

    #[test]
    fn parses_command_then_args() {
        let container = json!({
            "command": ["kube-apiserver", "--anonymous-auth=false", "--secure-port", "6443", "--profiling",
                "--authorization-mode=Node,RBAC", 7, "-v=2", "--", "--insecure-port="],
            "args": ["--feature-gates=A=true,B=false", "--bind-address", "--etcd-cafile", "ca.crt"]
        });
        let flags = Flags::of(&container);
        assert_eq!(
            flags,
            Flags(vec![
                flag("anonymous-auth", Some("false"), "command", 1),
                flag("secure-port", Some("6443"), "command", 2),
                flag("profiling", None, "command", 4),
                flag("authorization-mode", Some("Node,RBAC"), "command", 5),
                flag("insecure-port", Some(""), "command", 9),
                flag("feature-gates", Some("A=true,B=false"), "args", 0),
                flag("bind-address", None, "args", 1),
                flag("etcd-cafile", Some("ca.crt"), "args", 2),
            ])
        );
        assert_eq!(
            flags.get("etcd-cafile").map(|f| (f.show(), f.tokens())),
            Some(("--etcd-cafile=ca.crt".to_string(), ["args".to_string(), "2".to_string()]))
        );
        assert_eq!(flags.get("profiling").map(Flag::show), Some("--profiling".to_string()));
        assert_eq!(flags.get("missing"), None);
    }

    #[test]
    fn the_last_occurrence_wins() {
        let container = json!({"command": ["etcd", "--auto-tls=true", "--auto-tls=false"]});
        let flags = Flags::of(&container);
        assert_eq!(flags.get("auto-tls").map(Flag::text), Some("false"));
        assert_eq!(flags.all("auto-tls").count(), 2);
    }

    #[test]
    fn finds_the_binary_in_the_command_only() {
        assert!(runs(&json!({"command": ["kube-apiserver", "--x"]}), "kube-apiserver"));
        assert!(runs(&json!({"command": ["/usr/local/bin/kube-apiserver"]}), "kube-apiserver"));
        assert!(!runs(&json!({"command": ["kube-apiserver-proxy"]}), "kube-apiserver"));
        assert!(!runs(&json!({"command": ["sh", "-c", "kube-apiserver --x"]}), "kube-apiserver"));
        assert!(!runs(&json!({"args": ["kube-apiserver"]}), "kube-apiserver"));
        assert!(!runs(&json!({"command": "kube-apiserver"}), "kube-apiserver"));
    }

    #[test]
    fn splits_list_values() {
        assert_eq!(items("Node, RBAC,,Webhook").collect::<Vec<_>>(), ["Node", "RBAC", "Webhook"]);
        assert_eq!(items("").count(), 0);
    }
}
