//! What a control-plane row requires of a component's flags, and how a violation reads.

use super::flags::{Flag, Flags, items};

/// A requirement on the flags of one component's command line. Flag names are given without the
/// leading `--`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condition {
    /// The flag must be set to the value; a bare boolean flag counts as `true`.
    Is(&'static str, &'static str),
    /// If set, the flag must not have any of the values.
    IsNot(&'static str, &'static [&'static str]),
    /// The flag must not be set at all.
    Absent(&'static str),
    /// Every flag must be set to a non-empty value.
    Present(&'static [&'static str]),
    /// The comma-separated list flag must include one of `any`; an unset flag passes when
    /// `missing_ok` (the component's default then applies).
    Includes { flag: &'static str, any: &'static [&'static str], missing_ok: bool },
    /// If set, the list flag must not include the item.
    Excludes(&'static str, &'static str),
    /// The flag must be set to a whole number of at least this.
    AtLeast(&'static str, i64),
    /// If set, the flag must be a whole number of at most this.
    AtMost(&'static str, i64),
    /// If set, the flag must be a timeout of hours, minutes and seconds in that order, each one or
    /// two digits (`60s`, `1m30s`, `2h`), as Checkov's `CKV_K8S_95` pattern reads it.
    Timeout(&'static str),
    /// If set, the file the flag names must have one of the extensions.
    FileType(&'static str, &'static [&'static str]),
    /// No `--feature-gates` may set the gate to `false`.
    GateNotFalse(&'static str),
    /// If set, every cipher of the list flag must be one of these.
    CiphersIn(&'static str, &'static [&'static str]),
}

/// A failed condition: what is wrong, and the flag it is about (`None`: a flag is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// Pointer tokens of the offending flag below the container.
    pub(crate) at: Option<[String; 2]>,
    /// `runs <binary> ...`.
    pub(crate) what: String,
}

impl Condition {
    /// Judges the flags of a container that runs `binary`.
    pub(crate) fn judge(&self, binary: &str, flags: &Flags<'_>) -> Option<Violation> {
        let with = |flag: &Flag<'_>, why: String| Violation {
            at: Some(flag.tokens()),
            what: format!("runs {binary} with {}{why}", flag.show()),
        };
        let without = |what: String| Violation { at: None, what: format!("runs {binary} without {what}") };
        match *self {
            Self::Is(name, value) => match flags.get(name) {
                None => Some(without(format!("--{name}={value}"))),
                Some(f) if f.value.unwrap_or("true") == value => None,
                Some(f) => Some(with(f, String::new())),
            },
            Self::IsNot(name, bad) => {
                flags.get(name).filter(|f| bad.contains(&f.value.unwrap_or("true"))).map(|f| with(f, String::new()))
            }
            Self::Absent(name) => flags.get(name).map(|f| with(f, String::new())),
            Self::Present(names) => {
                present(names, flags).map(|(at, what)| Violation { at, what: format!("runs {binary} {what}") })
            }
            Self::Includes { flag, any, missing_ok } => match flags.get(flag) {
                None if missing_ok => None,
                None => Some(without(format!("--{flag} including {}", any.join(" or ")))),
                Some(f) if items(f.text()).any(|item| any.contains(&item)) => None,
                Some(f) => Some(with(f, lacks(any))),
            },
            Self::Excludes(name, item) => flags
                .get(name)
                .filter(|f| items(f.text()).any(|i| i == item))
                .map(|f| with(f, format!(", which includes {item}"))),
            Self::AtLeast(name, min) => match flags.get(name) {
                None => Some(without(format!("--{name} set to {min} or more"))),
                Some(f) => match f.text().trim().parse::<i64>() {
                    Ok(n) if n >= min => None,
                    Ok(_) => Some(with(f, format!(", below {min}"))),
                    Err(_) => Some(with(f, ", not a whole number".to_string())),
                },
            },
            Self::AtMost(name, max) => flags.get(name).and_then(|f| match f.text().trim().parse::<i64>() {
                Ok(n) if n <= max => None,
                Ok(_) => Some(with(f, format!(", above {max}"))),
                Err(_) => Some(with(f, ", not a whole number".to_string())),
            }),
            Self::Timeout(name) => flags
                .get(name)
                .filter(|f| !is_timeout(f.text()))
                .map(|f| with(f, ", not a timeout like 60s or 1m30s".to_string())),
            Self::FileType(name, extensions) => {
                flags.get(name).filter(|f| !has_extension(f.text(), extensions)).map(|f| {
                    let list: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
                    with(f, format!(", not a {} file", list.join(" or ")))
                })
            }
            Self::GateNotFalse(gate) => flags
                .all("feature-gates")
                .find(|f| {
                    items(f.text())
                        .any(|g| g.split_once('=').is_some_and(|(k, v)| k.trim() == gate && v.trim() == "false"))
                })
                .map(|f| Violation {
                    at: Some(f.tokens()),
                    what: format!("runs {binary} with {gate}=false in --feature-gates"),
                }),
            Self::CiphersIn(name, strong) => flags.get(name).and_then(|f| {
                let weak: Vec<&str> = items(f.text()).filter(|c| !strong.contains(c)).collect();
                (!weak.is_empty()).then(|| Violation {
                    at: Some(f.tokens()),
                    what: format!("runs {binary} with --{name} including weak ciphers: {}", weak.join(", ")),
                })
            }),
        }
    }
}

/// `, which does not include X` or `, which includes none of X, Y`.
fn lacks(any: &[&str]) -> String {
    match any {
        [one] => format!(", which does not include {one}"),
        _ => format!(", which includes none of {}", any.join(", ")),
    }
}

/// The flags of `names` that are missing or empty, as `without --a and --b (empty)`, with the
/// pointer tokens of the first empty one.
fn present(names: &[&str], flags: &Flags<'_>) -> Option<(Option<[String; 2]>, String)> {
    let mut at = None;
    let mut missing = Vec::new();
    for name in names {
        match flags.get(name) {
            Some(f) if !f.text().trim().is_empty() => {}
            Some(f) => {
                at = at.or_else(|| Some(f.tokens()));
                missing.push(format!("--{name} (empty)"));
            }
            None => missing.push(format!("--{name}")),
        }
    }
    (!missing.is_empty()).then(|| (at, format!("without {}", missing.join(" and "))))
}

/// Whether `value` reads `[NNh][NNm][NNs]` (each part one or two digits, at least one part).
fn is_timeout(value: &str) -> bool {
    let mut rest = value;
    let mut parts = 0;
    for unit in ['h', 'm', 's'] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=2).contains(&digits) && rest[digits..].starts_with(unit) {
            rest = &rest[digits + 1..];
            parts += 1;
        }
    }
    parts > 0 && rest.is_empty()
}

/// Whether the file name at the end of `path` has one of `extensions`.
fn has_extension(path: &str, extensions: &[&str]) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && extensions.contains(&ext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    /// `(pointer tokens, message)` of judging `condition` on the command line `argv` of `binary`.
    fn judge(condition: Condition, argv: &[&str]) -> Option<(Option<[String; 2]>, String)> {
        let container = json!({"command": argv});
        let flags = Flags::of(&container);
        condition.judge(argv[0], &flags).map(|v| (v.at, v.what))
    }

    #[expect(clippy::unnecessary_wraps, reason = "compared with what `judge` returns")]
    fn at(index: usize, what: &str) -> Option<(Option<[String; 2]>, String)> {
        Some((Some(["command".to_string(), index.to_string()]), what.to_string()))
    }

    #[expect(clippy::unnecessary_wraps, reason = "compared with what `judge` returns")]
    fn missing(what: &str) -> Option<(Option<[String; 2]>, String)> {
        Some((None, what.to_string()))
    }

    #[test]
    fn is_requires_the_value() {
        let c = Condition::Is("anonymous-auth", "false");
        assert_eq!(judge(c, &["kube-apiserver", "--anonymous-auth=false"]), None);
        assert_eq!(judge(c, &["kube-apiserver", "--anonymous-auth", "false"]), None);
        assert_eq!(judge(c, &["kube-apiserver"]), missing("runs kube-apiserver without --anonymous-auth=false"));
        assert_eq!(
            judge(c, &["kube-apiserver", "--x", "--anonymous-auth=true"]),
            at(2, "runs kube-apiserver with --anonymous-auth=true")
        );
        assert_eq!(
            judge(c, &["kube-apiserver", "--anonymous-auth"]),
            at(1, "runs kube-apiserver with --anonymous-auth")
        );
        let bool_true = Condition::Is("profiling", "true");
        assert_eq!(judge(bool_true, &["kube-scheduler", "--profiling"]), None);
    }

    #[test]
    fn is_not_and_absent_pass_when_unset() {
        let c = Condition::IsNot("kubelet-https", &["false"]);
        assert_eq!(judge(c, &["kube-apiserver"]), None);
        assert_eq!(judge(c, &["kube-apiserver", "--kubelet-https=true"]), None);
        assert_eq!(
            judge(c, &["kube-apiserver", "--kubelet-https=false"]),
            at(1, "runs kube-apiserver with --kubelet-https=false")
        );
        let c = Condition::Absent("basic-auth-file");
        assert_eq!(judge(c, &["kube-apiserver"]), None);
        assert_eq!(
            judge(c, &["kube-apiserver", "--basic-auth-file=/a.csv"]),
            at(1, "runs kube-apiserver with --basic-auth-file=/a.csv")
        );
    }

    #[test]
    fn present_names_every_missing_flag() {
        let c = Condition::Present(&["tls-cert-file", "tls-private-key-file"]);
        assert_eq!(judge(c, &["kubelet", "--tls-cert-file=c", "--tls-private-key-file=k"]), None);
        assert_eq!(judge(c, &["kubelet"]), missing("runs kubelet without --tls-cert-file and --tls-private-key-file"));
        assert_eq!(
            judge(c, &["kubelet", "--tls-private-key-file=k", "--tls-cert-file="]),
            at(2, "runs kubelet without --tls-cert-file (empty)")
        );
    }

    #[test]
    fn list_conditions_split_on_commas() {
        let node = Condition::Includes { flag: "authorization-mode", any: &["Node"], missing_ok: false };
        assert_eq!(judge(node, &["kube-apiserver", "--authorization-mode=Node,RBAC"]), None);
        assert_eq!(
            judge(node, &["kube-apiserver"]),
            missing("runs kube-apiserver without --authorization-mode including Node")
        );
        assert_eq!(
            judge(node, &["kube-apiserver", "--authorization-mode=NodeX,RBAC"]),
            at(1, "runs kube-apiserver with --authorization-mode=NodeX,RBAC, which does not include Node")
        );
        let deny = Condition::Includes {
            flag: "enable-admission-plugins",
            any: &["SecurityContextDeny", "PodSecurityPolicy"],
            missing_ok: true,
        };
        assert_eq!(judge(deny, &["kube-apiserver"]), None);
        assert_eq!(
            judge(deny, &["kube-apiserver", "--enable-admission-plugins=NodeRestriction,PodSecurityPolicy"]),
            None
        );
        assert_eq!(
            judge(deny, &["kube-apiserver", "--enable-admission-plugins"]),
            at(
                1,
                "runs kube-apiserver with --enable-admission-plugins, which includes none of SecurityContextDeny, PodSecurityPolicy"
            )
        );
        let always = Condition::Excludes("authorization-mode", "AlwaysAllow");
        assert_eq!(judge(always, &["kube-apiserver"]), None);
        assert_eq!(
            judge(always, &["kube-apiserver", "--authorization-mode=RBAC,AlwaysAllow"]),
            at(1, "runs kube-apiserver with --authorization-mode=RBAC,AlwaysAllow, which includes AlwaysAllow")
        );
    }

    #[test]
    fn numbers_are_whole_and_bounded() {
        let c = Condition::AtLeast("audit-log-maxage", 30);
        assert_eq!(judge(c, &["kube-apiserver", "--audit-log-maxage=30"]), None);
        assert_eq!(
            judge(c, &["kube-apiserver"]),
            missing("runs kube-apiserver without --audit-log-maxage set to 30 or more")
        );
        assert_eq!(
            judge(c, &["kube-apiserver", "--audit-log-maxage=7"]),
            at(1, "runs kube-apiserver with --audit-log-maxage=7, below 30")
        );
        assert_eq!(
            judge(c, &["kube-apiserver", "--audit-log-maxage=month"]),
            at(1, "runs kube-apiserver with --audit-log-maxage=month, not a whole number")
        );
        let c = Condition::AtMost("event-qps", 5);
        assert_eq!(judge(c, &["kubelet"]), None);
        assert_eq!(judge(c, &["kubelet", "--event-qps=0"]), None);
        assert_eq!(judge(c, &["kubelet", "--event-qps=6"]), at(1, "runs kubelet with --event-qps=6, above 5"));
    }

    #[test]
    fn timeouts_follow_the_checkov_pattern() {
        let valid = ["60s", "2m3s", "1h", "12h30m", "1h2m3s", "5m"];
        let invalid = ["", "1s9m3h", "100s", "1d", "s", "60", "1h 2m"];
        assert_eq!(valid.iter().filter(|v| is_timeout(v)).count(), valid.len());
        assert_eq!(invalid.iter().filter(|v| is_timeout(v)).collect::<Vec<_>>(), Vec::<&&str>::new());
        let c = Condition::Timeout("request-timeout");
        assert_eq!(
            judge(c, &["kube-apiserver", "--request-timeout=1s9m3h"]),
            at(1, "runs kube-apiserver with --request-timeout=1s9m3h, not a timeout like 60s or 1m30s")
        );
    }

    #[test]
    fn files_need_a_listed_extension() {
        let c = Condition::FileType("root-ca-file", &["pem", "crt"]);
        assert_eq!(judge(c, &["kube-controller-manager", "--root-ca-file=/etc/kubernetes/pki/ca.crt"]), None);
        assert_eq!(judge(c, &["kube-controller-manager"]), None);
        assert_eq!(
            judge(c, &["kube-controller-manager", "--root-ca-file=/x.y/pem"]),
            at(1, "runs kube-controller-manager with --root-ca-file=/x.y/pem, not a .pem or .crt file")
        );
        assert!(!has_extension("/keys/.pem", &["pem"]));
    }

    #[test]
    fn feature_gates_and_ciphers() {
        let c = Condition::GateNotFalse("RotateKubeletServerCertificate");
        assert_eq!(judge(c, &["kubelet", "--feature-gates=RotateKubeletServerCertificate=true"]), None);
        assert_eq!(
            judge(c, &["kubelet", "--feature-gates=A=true, RotateKubeletServerCertificate=false"]),
            at(1, "runs kubelet with RotateKubeletServerCertificate=false in --feature-gates")
        );
        let c = Condition::CiphersIn("tls-cipher-suites", &["TLS_A", "TLS_B"]);
        assert_eq!(judge(c, &["kubelet"]), None);
        assert_eq!(judge(c, &["kubelet", "--tls-cipher-suites=TLS_B,TLS_A"]), None);
        assert_eq!(
            judge(c, &["kubelet", "--tls-cipher-suites=TLS_A,TLS_RC4,TLS_DES"]),
            at(1, "runs kubelet with --tls-cipher-suites including weak ciphers: TLS_RC4, TLS_DES")
        );
    }
}
