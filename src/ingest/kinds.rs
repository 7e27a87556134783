//! Kind names from the names collectors give their files and folders (`pods`, `pvcs`,
//! `replication-controllers`, `clusterRoleBindings`...), for list items that carry no `kind`.

/// Maps a resource name as used in file or folder names to its kind.
pub fn kind_for_resource(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let key = lower.replace(['-', '_'], "");
    Some(match key.as_str() {
        "pods" | "pod" => "Pod",
        "nodes" | "node" => "Node",
        "services" | "service" | "svc" => "Service",
        "endpoints" => "Endpoints",
        "endpointslices" => "EndpointSlice",
        "events" | "event" => "Event",
        "deployments" | "deployment" => "Deployment",
        "replicasets" | "replicaset" => "ReplicaSet",
        "statefulsets" | "statefulset" => "StatefulSet",
        "daemonsets" | "daemonset" => "DaemonSet",
        "jobs" | "job" => "Job",
        "cronjobs" | "cronjob" => "CronJob",
        "persistentvolumeclaims" | "pvcs" | "pvc" => "PersistentVolumeClaim",
        "persistentvolumes" | "pvs" | "pv" => "PersistentVolume",
        "storageclasses" => "StorageClass",
        "configmaps" | "configmap" => "ConfigMap",
        "secrets" | "secret" => "Secret",
        "namespaces" | "namespace" => "Namespace",
        "ingress" | "ingresses" => "Ingress",
        "ingressclasses" => "IngressClass",
        "horizontalpodautoscalers" | "hpa" | "hpas" => "HorizontalPodAutoscaler",
        "poddisruptionbudgets" | "pdb" | "pdbs" => "PodDisruptionBudget",
        "networkpolicy" | "networkpolicies" => "NetworkPolicy",
        "resourcequota" | "resourcequotas" => "ResourceQuota",
        "limitranges" | "limitrange" => "LimitRange",
        "serviceaccounts" | "serviceaccount" => "ServiceAccount",
        "replicationcontrollers" => "ReplicationController",
        "leases" => "Lease",
        "roles" => "Role",
        "rolebindings" => "RoleBinding",
        "clusterroles" => "ClusterRole",
        "clusterrolebindings" => "ClusterRoleBinding",
        "priorityclasses" => "PriorityClass",
        "customresourcedefinitions" => "CustomResourceDefinition",
        "volumeattachments" => "VolumeAttachment",
        "certificatesigningrequests" => "CertificateSigningRequest",
        "validatingwebhookconfigurations" => "ValidatingWebhookConfiguration",
        "mutatingwebhookconfigurations" => "MutatingWebhookConfiguration",
        "controllerrevisions" => "ControllerRevision",
        "csidrivers" => "CSIDriver",
        "csinodes" => "CSINode",
        _ => return None,
    })
}

/// The item kind of a list kind: `PodList` → `Pod`; `List` → none.
pub fn item_kind_of_list(list_kind: &str) -> Option<&str> {
    match list_kind.strip_suffix("List") {
        Some("") | None => None,
        Some(k) => Some(k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            kind_for_resource("clusterRoleBindings"),
            Some("ClusterRoleBinding")
        );
        assert_eq!(
            kind_for_resource("replication-controllers"),
            Some("ReplicationController")
        );
        assert_eq!(
            kind_for_resource("pod-disruption-budgets"),
            Some("PodDisruptionBudget")
        );
        assert_eq!(kind_for_resource("storage-classes"), Some("StorageClass"));
        assert_eq!(kind_for_resource("resource-quotas"), Some("ResourceQuota"));
        assert_eq!(kind_for_resource("kube-system"), None);
        assert_eq!(item_kind_of_list("PodList"), Some("Pod"));
        assert_eq!(item_kind_of_list("List"), None);
    }
}
