//! Policy-level fixtures: a kitchen sink that breaks every rule and a hardened release that passes
//! them all. Each area adds its objects to both.

use palisade_policy_sdk::{Resource, Value, json};

/// Numbers the documents as resources 0, 1, ...
fn numbered(docs: Vec<Value>) -> Vec<Resource> {
    docs.into_iter().zip(0..).map(|(json, index)| Resource { index, json }).collect()
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
