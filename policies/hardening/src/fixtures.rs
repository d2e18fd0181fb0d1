//! Policy-level fixtures: a kitchen sink that breaks every rule and a hardened release that passes
//! them all. Each area adds its objects to both.

use palisade_policy_sdk::{Resource, Value, json};

/// Numbers the documents as resources 0, 1, ...
fn numbered(docs: Vec<Value>) -> Vec<Resource> {
    docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect()
}

/// Objects that together break every rule at least once (with [`kitchen_sink_settings`]).
pub(crate) fn kitchen_sink() -> Vec<Resource> {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "bad", "labels": {"app.kubernetes.io/instance": "rel", "version": 1.0}}, "spec": {"replicas": 3, "template": {
        "metadata": {"labels": {"app": "bad"}, "annotations": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
        "spec": {
            "hostNetwork": true, "hostPID": true, "hostIPC": true,
            "nodeSelector": {"kubernetes.io/os": "windows"},
            "securityContext": {"runAsUser": 0, "runAsGroup": 0, "fsGroup": 0, "supplementalGroups": [0],
                "seccompProfile": {"type": "Unconfined"}, "sysctls": [{"name": "kernel.msgmax", "value": "1"}]},
            "volumes": [
                {"name": "root", "hostPath": {"path": "/"}},
                {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
                {"name": "aws", "hostPath": {"path": "/root/.aws"}}
            ],
            "containers": [{
                "name": "app",
                "command": ["sudo", "/app"],
                "ports": [{"containerPort": 22, "hostPort": 22}],
                "livenessProbe": {"httpGet": {"host": "169.254.169.254", "port": 80}},
                "readinessProbe": {"httpGet": {"host": "169.254.169.254", "port": 80}},
                "securityContext": {"privileged": true, "allowPrivilegeEscalation": true, "runAsNonRoot": false,
                    "procMount": "Unmasked", "capabilities": {"add": ["SYS_ADMIN"]},
                    "seLinuxOptions": {"type": "spc_t"}, "windowsOptions": {"hostProcess": true}},
                "volumeMounts": [{"name": "root", "mountPath": "/host"}],
                "resources": {"requests": {"cpu": "100m", "ephemeral-storage": "1Gi"}, "limits": {"cpu": "2", "ephemeral-storage": "2Gi"}}
            }, {"name": "bare"}]
        }
    }}});
    let bare_pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"},
        "spec": {"serviceAccount": "ghost", "containers": [{"name": "x"}]}});
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
    let scc = json!({"apiVersion": "security.openshift.io/v1", "kind": "SecurityContextConstraints", "metadata": {"name": "anyuid"},
        "allowPrivilegedContainer": true});
    let mut docs = vec![deployment, bare_pod, namespace, scc];
    docs.extend(rbac_sink());
    docs.extend(network_sink());
    docs.extend(availability_sink());
    docs.extend(content_sink());
    docs.extend(hygiene_sink());
    docs.extend(control_plane_sink());
    numbered(docs)
}

/// RBAC objects of the kitchen sink: a wildcard ClusterRole bound to the `default`, anonymous and
/// dashboard subjects, and a `cluster-admin` binding.
fn rbac_sink() -> Vec<Value> {
    let rbac = "rbac.authorization.k8s.io/v1";
    vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}),
        json!({"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": "everything"},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
        json!({"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": "everyone"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "everything"},
            "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "User", "name": "system:anonymous"},
                {"kind": "ServiceAccount", "name": "kubernetes-dashboard", "namespace": "kubernetes-dashboard"}]}),
        json!({"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": "admins"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "admins"}]}),
    ]
}

/// Network objects of the kitchen sink: an open, dangling NetworkPolicy, a NodePort Service that
/// selects nothing, and an Ingress and a route to missing Services.
fn network_sink() -> Vec<Value> {
    vec![
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "open"}, "spec": {
            "podSelector": {"matchLabels": {"app": "gone"}}, "policyTypes": ["Ingress", "Egress"], "egress": [{}],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "ghost"}}}]}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "exposed"}, "spec": {"type": "NodePort",
            "selector": {"app": "nobody"}, "ports": [{"port": 80, "targetPort": "Bad_Name"}]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "bad", "annotations": {
            "nginx.ingress.kubernetes.io/server-snippet": "location /x { content_by_lua_block { ngx.say(1) } }"}},
            "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {"service": {"name": "missing", "port": {"number": 80}}}}]}}]}}),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "bad"},
            "spec": {"rules": [{"backendRefs": [{"name": "missing", "port": 80}]}]}}),
    ]
}

/// Availability objects of the kitchen sink: a mis-selected StatefulSet without budget or governing
/// Service, a lonely Deployment, autoscalers that cannot scale or miss their target, budgets that
/// block or say nothing, and a CronJob without deadline or restart policy.
fn availability_sink() -> Vec<Value> {
    let selects = |app: &str| json!({"matchLabels": {"app": app}});
    let pdb = |name: &str, spec: Value| json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name}, "spec": spec});
    let hpa = |name: &str, target: &str| {
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, "minReplicas": 1, "maxReplicas": 1}})
    };
    vec![
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {"replicas": 2,
            "selector": selects("other"), "updateStrategy": {"type": "OnDelete"},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"topologySpreadConstraints": [{"maxSkew": 0}],
                "containers": [{"name": "db"}]}}}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "lonely", "namespace": "lonely"},
            "spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}}),
        hpa("bad", "bad"),
        hpa("ghost", "ghost"),
        pdb("none", json!({"selector": selects("bad")})),
        pdb("zero", json!({"selector": selects("nothing"), "maxUnavailable": 0})),
        pdb("hpa", json!({"selector": selects("bad"), "minAvailable": 1})),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cron"}, "spec": {"schedule": "@hourly",
            "jobTemplate": {"spec": {"ttlSecondsAfterFinished": 100, "template": {"spec": {"containers": [{"name": "task"}]}}}}}}),
    ]
}

/// Secrets, images and components of the kitchen sink: a pod running Tiller, the dashboard, an
/// end-of-life ingress controller from k8s.gcr.io, a vulnerable Argo CD and a private image, with
/// literal and missing credentials; a leaky ConfigMap, a rendered Secret and a Tiller Service.
fn content_sink() -> Vec<Value> {
    let containers = json!([
        {"name": "tiller", "image": "gcr.io/kubernetes-helm/tiller:v2.16.0"},
        {"name": "dash", "image": "kubernetesui/dashboard", "imagePullPolicy": "IfNotPresent"},
        {"name": "nginx", "image": "k8s.gcr.io/ingress-nginx/controller:v1.0.0"},
        {"name": "argo", "image": "quay.io/argoproj/argocd:v2.2.3"},
        {"name": "app", "image": "registry.example.com/app:1", "env": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "GITSYNC_GIT", "value": "/bin/sh"},
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "token"}}}
        ]}
    ]);
    vec![
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sink"}, "spec": {"containers": containers,
            "volumes": [{"name": "creds", "secret": {"secretName": "creds"}}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "leaky"},
            "data": {"password": "hunter2", "allow-snippet-annotations": "true"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "data": {"password": "aHVudGVyMg=="}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tiller-deploy"},
            "spec": {"selector": {"app": "helm", "name": "tiller"}, "ports": [{"port": 44134}]}}),
    ]
}

/// Hygiene objects of the kitchen sink: a removed API version, a ServiceMonitor that selects
/// nothing, an old Node, a duplicated ConfigMap, and a pod with duplicate env vars, a nameless
/// port and mounted ConfigMap and claim.
fn hygiene_sink() -> Vec<Value> {
    vec![
        json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "legacy"},
            "spec": {"tls": [{}], "backend": {"serviceName": "tiller-deploy", "servicePort": 44134}}}),
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "lost"},
            "spec": {"selector": {"matchLabels": {"app": "none"}}, "endpoints": [{"port": "metrics"}]}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "old"}, "status": {"nodeInfo": {"kubeletVersion": "v1.20.0"}}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "leaky"}, "data": {}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "mounts"}, "spec": {
            "containers": [{"name": "app", "image": "nginx:1", "ports": [{"name": "a-very-long-port-name"}],
                "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}],
            "volumes": [{"name": "cfg", "configMap": {"name": "leaky"}}, {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}}),
    ]
}

/// Settings under which every configurable rule of the kitchen sink has something to report.
pub(crate) fn kitchen_sink_settings() -> Value {
    json!({"resourceRanges": {"cpuLimitMax": "1"}, "allowedRegistries": ["docker.io"], "deniedRegistries": ["registry.example.com"]})
}

/// A hardened release that passes every rule with default settings.
pub(crate) fn hardened() -> Vec<Resource> {
    let app = json!({"matchLabels": {"app": "good"}});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "good", "namespace": "apps",
        "labels": {"owner": "team-a", "app.kubernetes.io/name": "good", "app.kubernetes.io/instance": "good"},
        "annotations": {"email": "team-a@example.com"}},
    "spec": {"replicas": 2, "selector": app, "template": {"metadata": {"labels": {"app": "good"}}, "spec": {
        "runtimeClassName": "gvisor",
        "serviceAccountName": "good",
        "automountServiceAccountToken": false,
        "priorityClassName": "high",
        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
            "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"}},
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["apps"]}]}]}},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": app}}]}
        },
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": app}],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "containers": [{
            "name": "app",
            "image": "docker.io/example/good:1.0.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "imagePullPolicy": "Always",
            "command": ["/app"],
            "ports": [{"name": "http", "containerPort": 8080}],
            "livenessProbe": {"tcpSocket": {"port": 8080}},
            "readinessProbe": {"httpGet": {"port": "http", "path": "/ready"}},
            "resources": {"requests": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "1Gi"},
                "limits": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "1Gi"}},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
        }]
    }}}});
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps",
        "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}});
    let mut docs = vec![deployment, namespace];
    docs.extend(rbac_hardened());
    docs.extend(network_hardened());
    docs.push(json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "defaults", "namespace": "apps"},
        "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}}]}}));
    docs.push(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "good", "namespace": "apps"},
        "spec": {"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow", "selector": {"matchLabels": {"app": "good"}}}}));
    numbered(docs)
}

/// RBAC of the hardened release: a dedicated ServiceAccount bound to a read-only Role.
fn rbac_hardened() -> Vec<Value> {
    let rbac = "rbac.authorization.k8s.io/v1";
    vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "good", "namespace": "apps"},
            "automountServiceAccountToken": false}),
        json!({"apiVersion": rbac, "kind": "Role", "metadata": {"name": "good", "namespace": "apps"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]}),
        json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "good", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "good"},
            "subjects": [{"kind": "ServiceAccount", "name": "good", "namespace": "apps"}]}),
    ]
}

/// Network objects of the hardened release: default deny, a policy for the app, and a Service behind
/// a TLS Ingress and a route.
fn network_hardened() -> Vec<Value> {
    let app = json!({"matchLabels": {"app": "good"}});
    vec![
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "apps"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "good", "namespace": "apps"},
            "spec": {"podSelector": app, "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": app}], "ports": [{"port": 8080}]}],
                "egress": [{"to": [{"podSelector": app}]}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "good", "namespace": "apps"},
            "spec": {"selector": {"app": "good"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "good", "namespace": "apps"},
            "spec": {"tls": [{"hosts": ["good.example.com"], "secretName": "good-tls"}], "rules": [{"host": "good.example.com",
                "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "good", "port": {"name": "http"}}}}]}}]}}),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "good", "namespace": "apps"},
            "spec": {"rules": [{"backendRefs": [{"name": "good", "port": 80}]}]}}),
    ]
}

/// A static Pod named `name` in `kube-system` whose one container `name` runs `command`.
fn static_pod(name: &str, command: &[&str]) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {"containers": [{"name": name, "command": command}]}})
}

/// A `PodSecurityPolicy` named `name` with `annotations` and `spec`.
fn psp(name: &str, annotations: &Value, spec: &Value) -> Value {
    json!({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
        "metadata": {"name": name, "annotations": annotations}, "spec": spec})
}

/// Control-plane static pods that break every control-plane flag row, an `AdmissionConfiguration`
/// without `EventRateLimit` and a `PodSecurityPolicy` that allows everything.
fn control_plane_sink() -> Vec<Value> {
    vec![
        static_pod(
            "kube-apiserver",
            &[
                "kube-apiserver",
                "--anonymous-auth=true",
                "--basic-auth-file=/a.csv",
                "--token-auth-file=/t.csv",
                "--kubelet-https=false",
                "--authorization-mode=AlwaysAllow",
                "--enable-admission-plugins=AlwaysAdmit",
                "--insecure-bind-address=0.0.0.0",
                "--insecure-port=8080",
                "--secure-port=0",
                "--profiling=true",
                "--audit-log-maxage=1",
                "--audit-log-maxbackup=1",
                "--audit-log-maxsize=1",
                "--request-timeout=1d",
                "--service-account-lookup=false",
                "--service-account-key-file=/sa",
                "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
            ],
        ),
        json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration", "plugins": []}),
        static_pod(
            "kube-controller-manager",
            &[
                "kube-controller-manager",
                "--terminated-pod-gc-threshold=0",
                "--profiling=true",
                "--use-service-account-credentials=false",
                "--service-account-private-key-file=/sa",
                "--root-ca-file=/ca",
                "--feature-gates=RotateKubeletServerCertificate=false",
                "--bind-address=0.0.0.0",
            ],
        ),
        static_pod("kube-scheduler", &["kube-scheduler", "--profiling=true", "--bind-address=0.0.0.0"]),
        static_pod("etcd", &["etcd", "--client-cert-auth=false", "--auto-tls=true"]),
        static_pod(
            "kubelet",
            &[
                "kubelet",
                "--anonymous-auth=true",
                "--authorization-mode=AlwaysAllow",
                "--read-only-port=10255",
                "--streaming-connection-idle-timeout=0",
                "--protect-kernel-defaults=false",
                "--make-iptables-util-chains=false",
                "--hostname-override=node",
                "--event-qps=50",
                "--rotate-certificates=false",
                "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
            ],
        ),
        psp(
            "open",
            &json!({}),
            &json!({"privileged": true, "hostPID": true, "hostIPC": true, "hostNetwork": true,
            "allowPrivilegeEscalation": true, "runAsUser": {"rule": "RunAsAny"}, "allowedCapabilities": ["NET_ADMIN"]}),
        ),
    ]
}

/// A kubeadm-style control plane configured as the CIS benchmark asks, and a restrictive
/// `PodSecurityPolicy`: passes every control-plane and legacy-psp rule.
pub(crate) fn control_plane_hardened() -> Vec<Value> {
    let pki = "/etc/kubernetes/pki";
    let ciphers = "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    let apiserver: Vec<String> = [
        "kube-apiserver".to_string(), "--anonymous-auth=false".to_string(),
        format!("--kubelet-client-certificate={pki}/apiserver-kubelet-client.crt"),
        format!("--kubelet-client-key={pki}/apiserver-kubelet-client.key"),
        format!("--kubelet-certificate-authority={pki}/ca.crt"), "--authorization-mode=Node,RBAC".to_string(),
        "--enable-admission-plugins=NodeRestriction,AlwaysPullImages,SecurityContextDeny,ServiceAccount,NamespaceLifecycle,PodSecurityPolicy,EventRateLimit".to_string(),
        "--insecure-port=0".to_string(), "--secure-port=6443".to_string(), "--profiling=false".to_string(),
        "--audit-log-path=/var/log/kubernetes/audit.log".to_string(), "--audit-log-maxage=30".to_string(),
        "--audit-log-maxbackup=10".to_string(), "--audit-log-maxsize=100".to_string(), "--request-timeout=60s".to_string(),
        "--service-account-lookup=true".to_string(), format!("--service-account-key-file={pki}/sa.pub"),
        format!("--etcd-certfile={pki}/apiserver-etcd-client.crt"), format!("--etcd-keyfile={pki}/apiserver-etcd-client.key"),
        format!("--tls-cert-file={pki}/apiserver.crt"), format!("--tls-private-key-file={pki}/apiserver.key"),
        format!("--etcd-cafile={pki}/etcd/ca.crt"), "--encryption-provider-config=/etc/kubernetes/encryption.yaml".to_string(),
        ciphers.to_string(),
    ]
    .into();
    let apiserver: Vec<&str> = apiserver.iter().map(String::as_str).collect();
    let kcm = format!("--service-account-private-key-file={pki}/sa.key");
    let root_ca = format!("--root-ca-file={pki}/ca.crt");
    let etcd = [
        format!("--cert-file={pki}/etcd/server.crt"),
        format!("--key-file={pki}/etcd/server.key"),
        format!("--peer-cert-file={pki}/etcd/peer.crt"),
        format!("--peer-key-file={pki}/etcd/peer.key"),
    ];
    vec![
        static_pod("kube-apiserver", &apiserver),
        json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
            "plugins": [{"name": "EventRateLimit", "path": "eventconfig.yaml"}]}),
        static_pod(
            "kube-controller-manager",
            &[
                "kube-controller-manager",
                "--terminated-pod-gc-threshold=10",
                "--profiling=false",
                "--use-service-account-credentials=true",
                &kcm,
                &root_ca,
                "--feature-gates=RotateKubeletServerCertificate=true",
                "--bind-address=127.0.0.1",
            ],
        ),
        static_pod("kube-scheduler", &["kube-scheduler", "--profiling=false", "--bind-address=127.0.0.1"]),
        static_pod(
            "etcd",
            &[
                "etcd",
                &etcd[0],
                &etcd[1],
                "--client-cert-auth=true",
                &etcd[2],
                &etcd[3],
                "--peer-client-cert-auth=true",
            ],
        ),
        static_pod(
            "kubelet",
            &[
                "kubelet",
                "--anonymous-auth=false",
                "--authorization-mode=Webhook",
                "--client-ca-file=/etc/kubernetes/pki/ca.crt",
                "--read-only-port=0",
                "--streaming-connection-idle-timeout=5m",
                "--protect-kernel-defaults=true",
                "--make-iptables-util-chains=true",
                "--event-qps=0",
                "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt",
                "--tls-private-key-file=/var/lib/kubelet/pki/kubelet.key",
                "--rotate-certificates=true",
                ciphers,
            ],
        ),
        psp(
            "restricted",
            &json!({"seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}),
            &json!({"privileged": false, "allowPrivilegeEscalation": false, "runAsUser": {"rule": "MustRunAsNonRoot"},
                "requiredDropCapabilities": ["ALL"]}),
        ),
    ]
}
