//! The control-plane rows of checks.md §1.10, in catalog order. Each row names its Checkov check
//! (whose failing conditions it follows; see the module docs of [`super`] and [`Condition`] for
//! where palisade reads a flag more strictly or more leniently) and, where the item number is the
//! same in every CIS Kubernetes Benchmark release since 1.6, the benchmark item.

use palisade_policy_sdk::{RuleDef, Severity};

use super::condition::Condition::{
    Absent, AtLeast, AtMost, CiphersIn, Excludes, FileType, GateNotFalse, Includes, Is, IsNot, Present, Timeout,
};
use super::{CATEGORY, Row, Target};

const API: &[&str] = &["kube-apiserver"];
const KCM: &[&str] = &["kube-controller-manager"];
const KCM_KUBELET: &[&str] = &["kube-controller-manager", "kubelet"];
const SCHEDULER: &[&str] = &["kube-scheduler"];
const ETCD: &[&str] = &["etcd"];
const KUBELET: &[&str] = &["kubelet"];

/// The ciphers Checkov (`CKV_K8S_105`, `CKV_K8S_151`) and the CIS benchmark accept.
const STRONG_CIPHERS: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
];

/// An opt-in rule of the area.
/// Every control-plane rule, in catalog order.
pub(crate) const ROWS: [Row; 59] = [
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-anonymous-auth",
            "API server allows anonymous requests",
            Severity::High,
            "Add `--anonymous-auth=false` to the kube-apiserver command.",
            &["checkov:CKV_K8S_68", "cis:1.2.1"],
        ),
        target: Target::Flags(API, Is("anonymous-auth", "false")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-basic-auth-file",
            "API server uses a basic-auth file",
            Severity::High,
            "Remove `--basic-auth-file` from the kube-apiserver command; authenticate with client certificates or OIDC.",
            &["checkov:CKV_K8S_69"],
        ),
        target: Target::Flags(API, Absent("basic-auth-file")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-token-auth-file",
            "API server uses a static token file",
            Severity::High,
            "Remove `--token-auth-file` from the kube-apiserver command; authenticate with client certificates or OIDC.",
            &["checkov:CKV_K8S_70"],
        ),
        target: Target::Flags(API, Absent("token-auth-file")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-kubelet-https",
            "API server talks to kubelets over HTTP",
            Severity::Medium,
            "Remove `--kubelet-https=false` from the kube-apiserver command (or set `--kubelet-https=true`).",
            &["checkov:CKV_K8S_71"],
        ),
        target: Target::Flags(API, IsNot("kubelet-https", &["false"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-kubelet-client-cert-and-key",
            "API server has no kubelet client certificate",
            Severity::Medium,
            "Set `--kubelet-client-certificate=<file>` and `--kubelet-client-key=<file>` in the kube-apiserver command.",
            &["checkov:CKV_K8S_72"],
        ),
        target: Target::Flags(API, Present(&["kubelet-client-certificate", "kubelet-client-key"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-kubelet-certificate-authority",
            "API server does not verify kubelet certificates",
            Severity::Medium,
            "Set `--kubelet-certificate-authority=<ca file>` in the kube-apiserver command.",
            &["checkov:CKV_K8S_73"],
        ),
        target: Target::Flags(API, Present(&["kubelet-certificate-authority"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-authorization-mode-not-always-allow",
            "API server authorizes every request",
            Severity::High,
            "Remove `AlwaysAllow` from `--authorization-mode` of the kube-apiserver (for example `--authorization-mode=Node,RBAC`).",
            &["checkov:CKV_K8S_74"],
        ),
        target: Target::Flags(API, Excludes("authorization-mode", "AlwaysAllow")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-authorization-mode-node",
            "API server authorization modes lack Node",
            Severity::Medium,
            "Include `Node` in `--authorization-mode` of the kube-apiserver (for example `--authorization-mode=Node,RBAC`).",
            &["checkov:CKV_K8S_75"],
        ),
        target: Target::Flags(API, Includes { flag: "authorization-mode", any: &["Node"], missing_ok: false }),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-authorization-mode-rbac",
            "API server authorization modes lack RBAC",
            Severity::Medium,
            "Include `RBAC` in `--authorization-mode` of the kube-apiserver (for example `--authorization-mode=Node,RBAC`).",
            &["checkov:CKV_K8S_77"],
        ),
        target: Target::Flags(API, Includes { flag: "authorization-mode", any: &["RBAC"], missing_ok: false }),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-admission-control-event-rate-limit",
            "Admission configuration lacks EventRateLimit",
            Severity::Medium,
            "Add the plugin to the AdmissionConfiguration (`plugins: [{name: EventRateLimit, path: eventconfig.yaml}]`) and enable it with `--enable-admission-plugins=...,EventRateLimit`.",
            &["checkov:CKV_K8S_78"],
        ),
        target: Target::AdmissionPlugin("EventRateLimit"),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-admission-control-always-admit",
            "API server enables the AlwaysAdmit plugin",
            Severity::Medium,
            "Remove `AlwaysAdmit` from `--enable-admission-plugins` of the kube-apiserver.",
            &["checkov:CKV_K8S_79"],
        ),
        target: Target::Flags(API, Excludes("enable-admission-plugins", "AlwaysAdmit")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-always-pull-images-plugin",
            "API server admission plugins lack AlwaysPullImages",
            Severity::Medium,
            "Include `AlwaysPullImages` in `--enable-admission-plugins` of the kube-apiserver.",
            &["checkov:CKV_K8S_80"],
        ),
        target: Target::Flags(
            API,
            Includes { flag: "enable-admission-plugins", any: &["AlwaysPullImages"], missing_ok: true },
        ),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-security-context-deny-plugin",
            "API server lacks SecurityContextDeny and PSP",
            Severity::Medium,
            "Include `SecurityContextDeny` in `--enable-admission-plugins` of the kube-apiserver when PodSecurityPolicy is not used.",
            &["checkov:CKV_K8S_81"],
        ),
        target: Target::Flags(
            API,
            Includes {
                flag: "enable-admission-plugins",
                any: &["SecurityContextDeny", "PodSecurityPolicy"],
                missing_ok: true,
            },
        ),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-service-account-plugin",
            "API server admission plugins lack ServiceAccount",
            Severity::Medium,
            "Include `ServiceAccount` in `--enable-admission-plugins` of the kube-apiserver.",
            &["checkov:CKV_K8S_82"],
        ),
        target: Target::Flags(
            API,
            Includes { flag: "enable-admission-plugins", any: &["ServiceAccount"], missing_ok: true },
        ),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-namespace-lifecycle-plugin",
            "API server admission plugins lack NamespaceLifecycle",
            Severity::Medium,
            "Include `NamespaceLifecycle` in `--enable-admission-plugins` of the kube-apiserver.",
            &["checkov:CKV_K8S_83"],
        ),
        target: Target::Flags(
            API,
            Includes { flag: "enable-admission-plugins", any: &["NamespaceLifecycle"], missing_ok: true },
        ),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-pod-security-policy-plugin",
            "API server admission plugins lack PodSecurityPolicy",
            Severity::Medium,
            "Include `PodSecurityPolicy` in `--enable-admission-plugins` of the kube-apiserver (Kubernetes before 1.25).",
            &["checkov:CKV_K8S_84"],
        ),
        target: Target::Flags(
            API,
            Includes { flag: "enable-admission-plugins", any: &["PodSecurityPolicy"], missing_ok: true },
        ),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-node-restriction-plugin",
            "API server admission plugins lack NodeRestriction",
            Severity::Medium,
            "Include `NodeRestriction` in `--enable-admission-plugins` of the kube-apiserver.",
            &["checkov:CKV_K8S_85"],
        ),
        target: Target::Flags(
            API,
            Includes { flag: "enable-admission-plugins", any: &["NodeRestriction"], missing_ok: true },
        ),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-insecure-bind-address",
            "API server binds an insecure address",
            Severity::High,
            "Remove `--insecure-bind-address` from the kube-apiserver command.",
            &["checkov:CKV_K8S_86"],
        ),
        target: Target::Flags(API, Absent("insecure-bind-address")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-insecure-port",
            "API server insecure port is not disabled",
            Severity::High,
            "Set `--insecure-port=0` in the kube-apiserver command (Kubernetes before 1.24).",
            &["checkov:CKV_K8S_88"],
        ),
        target: Target::Flags(API, Is("insecure-port", "0")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-secure-port",
            "API server secure port is disabled",
            Severity::Medium,
            "Remove `--secure-port=0` from the kube-apiserver command (or set `--secure-port=6443`).",
            &["checkov:CKV_K8S_89"],
        ),
        target: Target::Flags(API, IsNot("secure-port", &["0"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-profiling",
            "API server profiling is enabled",
            Severity::Medium,
            "Add `--profiling=false` to the kube-apiserver command.",
            &["checkov:CKV_K8S_90"],
        ),
        target: Target::Flags(API, Is("profiling", "false")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-audit-log",
            "API server writes no audit log",
            Severity::Medium,
            "Set `--audit-log-path=<file>` in the kube-apiserver command.",
            &["checkov:CKV_K8S_91"],
        ),
        target: Target::Flags(API, Present(&["audit-log-path"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-audit-log-max-age",
            "API server keeps audit logs under 30 days",
            Severity::Medium,
            "Set `--audit-log-maxage=30` (or more) in the kube-apiserver command.",
            &["checkov:CKV_K8S_92"],
        ),
        target: Target::Flags(API, AtLeast("audit-log-maxage", 30)),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-audit-log-max-backup",
            "API server keeps under 10 audit log backups",
            Severity::Medium,
            "Set `--audit-log-maxbackup=10` (or more) in the kube-apiserver command.",
            &["checkov:CKV_K8S_93"],
        ),
        target: Target::Flags(API, AtLeast("audit-log-maxbackup", 10)),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-audit-log-max-size",
            "API server audit log rotates below 100 MB",
            Severity::Medium,
            "Set `--audit-log-maxsize=100` (or more) in the kube-apiserver command.",
            &["checkov:CKV_K8S_94"],
        ),
        target: Target::Flags(API, AtLeast("audit-log-maxsize", 100)),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-request-timeout",
            "API server request timeout is malformed",
            Severity::Medium,
            "Set `--request-timeout` of the kube-apiserver to a duration such as `--request-timeout=60s` or `--request-timeout=1m30s`.",
            &["checkov:CKV_K8S_95"],
        ),
        target: Target::Flags(API, Timeout("request-timeout")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-service-account-lookup",
            "API server does not look up service accounts",
            Severity::Medium,
            "Add `--service-account-lookup=true` to the kube-apiserver command.",
            &["checkov:CKV_K8S_96"],
        ),
        target: Target::Flags(API, Is("service-account-lookup", "true")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-service-account-key-file",
            "API server service account key is not a key file",
            Severity::Medium,
            "Set `--service-account-key-file` of the kube-apiserver to the PEM public key file (for example `--service-account-key-file=/etc/kubernetes/pki/sa.pub`).",
            &["checkov:CKV_K8S_97"],
        ),
        target: Target::Flags(API, FileType("service-account-key-file", &["pem", "pub", "key", "crt"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-etcd-cert-and-key",
            "API server has no etcd client certificate",
            Severity::Medium,
            "Set `--etcd-certfile=<file>` and `--etcd-keyfile=<file>` in the kube-apiserver command.",
            &["checkov:CKV_K8S_99"],
        ),
        target: Target::Flags(API, Present(&["etcd-certfile", "etcd-keyfile"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-tls-cert-and-key",
            "API server has no TLS serving certificate",
            Severity::Medium,
            "Set `--tls-cert-file=<file>` and `--tls-private-key-file=<file>` in the kube-apiserver command.",
            &["checkov:CKV_K8S_100"],
        ),
        target: Target::Flags(API, Present(&["tls-cert-file", "tls-private-key-file"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-etcd-ca-file",
            "API server does not verify etcd's certificate",
            Severity::Medium,
            "Set `--etcd-cafile=<ca file>` in the kube-apiserver command.",
            &["checkov:CKV_K8S_102"],
        ),
        target: Target::Flags(API, Present(&["etcd-cafile"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-encryption-providers",
            "API server does not encrypt data at rest",
            Severity::Medium,
            "Set `--encryption-provider-config=<file>` in the kube-apiserver command, with an EncryptionConfiguration that uses `aescbc`, `secretbox` or a KMS provider.",
            &["checkov:CKV_K8S_104"],
        ),
        target: Target::Flags(API, Present(&["encryption-provider-config"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "apiserver-strong-cryptographic-ciphers",
            "API server allows weak TLS ciphers",
            Severity::Medium,
            "Limit `--tls-cipher-suites` of the kube-apiserver to strong ciphers, for example `--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.",
            &["checkov:CKV_K8S_105"],
        ),
        target: Target::Flags(API, CiphersIn("tls-cipher-suites", STRONG_CIPHERS)),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-terminated-pods",
            "Controller manager keeps terminated pods unbounded",
            Severity::Medium,
            "Set `--terminated-pod-gc-threshold=10` (a positive number) in the kube-controller-manager command.",
            &["checkov:CKV_K8S_106", "cis:1.3.1"],
        ),
        target: Target::Flags(KCM, AtLeast("terminated-pod-gc-threshold", 1)),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-block-profiles",
            "Controller manager profiling is enabled",
            Severity::Medium,
            "Add `--profiling=false` to the kube-controller-manager command.",
            &["checkov:CKV_K8S_107", "cis:1.3.2"],
        ),
        target: Target::Flags(KCM, Is("profiling", "false")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-service-account-credentials",
            "Controller manager shares one credential",
            Severity::Medium,
            "Add `--use-service-account-credentials=true` to the kube-controller-manager command.",
            &["checkov:CKV_K8S_108", "cis:1.3.3"],
        ),
        target: Target::Flags(KCM, Is("use-service-account-credentials", "true")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-service-account-private-key-file",
            "Controller manager service account key is not a key file",
            Severity::Medium,
            "Set `--service-account-private-key-file` of the kube-controller-manager to the PEM private key (for example `--service-account-private-key-file=/etc/kubernetes/pki/sa.key`).",
            &["checkov:CKV_K8S_110", "cis:1.3.4"],
        ),
        target: Target::Flags(KCM, FileType("service-account-private-key-file", &["pem", "key"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-root-ca-file",
            "Controller manager root CA is not a certificate file",
            Severity::Medium,
            "Set `--root-ca-file` of the kube-controller-manager to the PEM cluster CA (for example `--root-ca-file=/etc/kubernetes/pki/ca.crt`).",
            &["checkov:CKV_K8S_111", "cis:1.3.5"],
        ),
        target: Target::Flags(KCM, FileType("root-ca-file", &["pem", "crt"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-rotate-kubelet-server-cert",
            "Kubelet server certificate rotation is disabled",
            Severity::Medium,
            "Remove `RotateKubeletServerCertificate=false` from `--feature-gates` (or set `--feature-gates=RotateKubeletServerCertificate=true`).",
            &["checkov:CKV_K8S_112", "cis:1.3.6"],
        ),
        target: Target::Flags(KCM_KUBELET, GateNotFalse("RotateKubeletServerCertificate")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "controller-manager-bind-address",
            "Controller manager binds beyond localhost",
            Severity::Medium,
            "Set `--bind-address=127.0.0.1` in the kube-controller-manager command.",
            &["checkov:CKV_K8S_113", "cis:1.3.7"],
        ),
        target: Target::Flags(KCM, Is("bind-address", "127.0.0.1")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "scheduler-profiling",
            "Scheduler profiling is enabled",
            Severity::Medium,
            "Add `--profiling=false` to the kube-scheduler command.",
            &["checkov:CKV_K8S_114", "cis:1.4.1"],
        ),
        target: Target::Flags(SCHEDULER, Is("profiling", "false")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "scheduler-bind-address",
            "Scheduler binds beyond localhost",
            Severity::Medium,
            "Set `--bind-address=127.0.0.1` in the kube-scheduler command.",
            &["checkov:CKV_K8S_115", "cis:1.4.2"],
        ),
        target: Target::Flags(SCHEDULER, Is("bind-address", "127.0.0.1")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "etcd-cert-and-key",
            "etcd has no TLS serving certificate",
            Severity::Medium,
            "Set `--cert-file=<file>` and `--key-file=<file>` in the etcd command.",
            &["checkov:CKV_K8S_116", "cis:2.1"],
        ),
        target: Target::Flags(ETCD, Present(&["cert-file", "key-file"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "etcd-client-cert-auth",
            "etcd does not authenticate clients",
            Severity::Medium,
            "Add `--client-cert-auth=true` to the etcd command.",
            &["checkov:CKV_K8S_117", "cis:2.2"],
        ),
        target: Target::Flags(ETCD, Is("client-cert-auth", "true")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "etcd-auto-tls",
            "etcd uses self-signed client certificates",
            Severity::Medium,
            "Remove `--auto-tls=true` from the etcd command (or set `--auto-tls=false`).",
            &["checkov:CKV_K8S_118", "cis:2.3"],
        ),
        target: Target::Flags(ETCD, IsNot("auto-tls", &["true"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "etcd-peer-files",
            "etcd has no peer TLS certificate",
            Severity::Medium,
            "Set `--peer-cert-file=<file>` and `--peer-key-file=<file>` in the etcd command.",
            &["checkov:CKV_K8S_119", "cis:2.4"],
        ),
        target: Target::Flags(ETCD, Present(&["peer-cert-file", "peer-key-file"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "etcd-peer-client-cert-auth",
            "etcd does not authenticate peers",
            Severity::Medium,
            "Add `--peer-client-cert-auth=true` to the etcd command.",
            &["checkov:CKV_K8S_121", "cis:2.5"],
        ),
        target: Target::Flags(ETCD, Is("peer-client-cert-auth", "true")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-anonymous-auth",
            "Kubelet allows anonymous requests",
            Severity::High,
            "Add `--anonymous-auth=false` to the kubelet command.",
            &["checkov:CKV_K8S_138", "cis:4.2.1"],
        ),
        target: Target::Flags(KUBELET, Is("anonymous-auth", "false")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-authorization-mode-not-always-allow",
            "Kubelet authorizes every request",
            Severity::High,
            "Set `--authorization-mode=Webhook` in the kubelet command.",
            &["checkov:CKV_K8S_139", "cis:4.2.2"],
        ),
        target: Target::Flags(KUBELET, Excludes("authorization-mode", "AlwaysAllow")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-client-ca",
            "Kubelet does not verify client certificates",
            Severity::Medium,
            "Set `--client-ca-file=<ca file>` in the kubelet command.",
            &["checkov:CKV_K8S_140", "cis:4.2.3"],
        ),
        target: Target::Flags(KUBELET, Present(&["client-ca-file"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-read-only-port",
            "Kubelet read-only port is open",
            Severity::Medium,
            "Set `--read-only-port=0` in the kubelet command.",
            &["checkov:CKV_K8S_141", "cis:4.2.4"],
        ),
        target: Target::Flags(KUBELET, Is("read-only-port", "0")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-streaming-connection-idle-timeout",
            "Kubelet streaming connections never time out",
            Severity::Medium,
            "Remove `--streaming-connection-idle-timeout=0` from the kubelet command (or set `--streaming-connection-idle-timeout=5m`).",
            &["checkov:CKV_K8S_143"],
        ),
        target: Target::Flags(KUBELET, IsNot("streaming-connection-idle-timeout", &["0", "0s", "0m", "0h"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-protect-kernel-defaults",
            "Kubelet does not protect kernel defaults",
            Severity::Medium,
            "Add `--protect-kernel-defaults=true` to the kubelet command.",
            &["checkov:CKV_K8S_144"],
        ),
        target: Target::Flags(KUBELET, Is("protect-kernel-defaults", "true")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-make-iptables-util-chains",
            "Kubelet does not manage iptables chains",
            Severity::Medium,
            "Add `--make-iptables-util-chains=true` to the kubelet command.",
            &["checkov:CKV_K8S_145"],
        ),
        target: Target::Flags(KUBELET, Is("make-iptables-util-chains", "true")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-hostname-override",
            "Kubelet overrides the node hostname",
            Severity::Medium,
            "Remove `--hostname-override` from the kubelet command.",
            &["checkov:CKV_K8S_146"],
        ),
        target: Target::Flags(KUBELET, Absent("hostname-override")),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-event-capture",
            "Kubelet event rate limit is above 5 per second",
            Severity::Medium,
            "Set `--event-qps` of the kubelet to 5 or less (`--event-qps=0` for no limit).",
            &["checkov:CKV_K8S_147"],
        ),
        target: Target::Flags(KUBELET, AtMost("event-qps", 5)),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-key-files-set-appropriate",
            "Kubelet has no TLS serving certificate",
            Severity::Medium,
            "Set `--tls-cert-file=<file>` and `--tls-private-key-file=<file>` in the kubelet command.",
            &["checkov:CKV_K8S_148"],
        ),
        target: Target::Flags(KUBELET, Present(&["tls-cert-file", "tls-private-key-file"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-rotate-certificates",
            "Kubelet client certificate rotation is disabled",
            Severity::Medium,
            "Remove `--rotate-certificates=false` from the kubelet command (or set `--rotate-certificates=true`).",
            &["checkov:CKV_K8S_149"],
        ),
        target: Target::Flags(KUBELET, IsNot("rotate-certificates", &["false"])),
    },
    Row {
        def: RuleDef::opt_in(
            CATEGORY,
            "kubelet-cryptographic-ciphers",
            "Kubelet allows weak TLS ciphers",
            Severity::Medium,
            "Limit `--tls-cipher-suites` of the kubelet to strong ciphers, for example `--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.",
            &["checkov:CKV_K8S_151"],
        ),
        target: Target::Flags(KUBELET, CiphersIn("tls-cipher-suites", STRONG_CIPHERS)),
    },
];
