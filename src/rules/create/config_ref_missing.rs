//! KT-CREATE-003 config-ref-missing

use super::common;
use crate::declare_rule;
use crate::ingest::SourceFormat;
use crate::model::{pod_references, visit_pod_references, Cluster, Entry, PodReference, Site};
use crate::rules::util::{self, contains_ci};
use crate::rules::{Evidence, Finding, Findings, Severity};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use std::collections::{BTreeSet, HashSet};

/// Objects the cluster puts in every namespace: a pod's reference to them is never a user's.
const SYSTEM_OBJECTS: &[&str] = &["kube-root-ca.crt", "openshift-service-ca.crt"];

declare_rule! {
    /// ## What it does
    /// Finds containers that cannot be created because a ConfigMap or Secret they refer to, or
    /// a key in it, is missing.
    ///
    /// The container waits in `CreateContainerConfigError` with `configmap "x" not found`,
    /// `secret "x" not found` or `couldn't find key K in ConfigMap ns/x`, or an `env`,
    /// `envFrom` or volume reference (not marked `optional`) to a ConfigMap or Secret that the
    /// snapshot shows is absent, or to a key its `data` does not have.
    ///
    /// Absence counts only when the snapshot holds objects of that kind in that namespace
    /// (support bundles usually hold no Secrets, which proves nothing). A pod that is running
    /// although its reference is missing now gets a `warning`: the next container restart will
    /// fail. An old `configmap not found` event on a pod that runs now, with the ConfigMap
    /// present, is history and not reported.
    ///
    /// ## Why is this bad?
    /// The kubelet resolves every reference before it creates the container; one missing
    /// object or key keeps the container from starting at all.
    ///
    /// ## Example
    /// ```yaml
    /// envFrom:
    ///   - configMapRef:
    ///       name: app-config      # no ConfigMap app-config in the namespace
    /// ```
    /// ```text
    /// Warning  Failed  3s (x5 over 50s)  kubelet  Error: configmap "app-config" not found
    /// ```
    ///
    /// ## How to fix
    /// Create the ConfigMap or Secret (with the key) in the pod's namespace before the pod, or
    /// correct the name or key in the reference (`envFrom[].configMapRef.name`,
    /// `env[].valueFrom.configMapKeyRef.key`, `volumes[].configMap.name`). Mark the reference
    /// `optional: true` if the container can run without it.
    pub(crate) static RULE = {
        code: "KT-CREATE-003",
        name: "config-ref-missing",
        severity: Error,
        check: check,
    };
}

/// What the error or the snapshot says is missing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Missing {
    kind: &'static str,
    name: String,
    key: Option<String>,
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let kinds_present: HashSet<(&str, &str)> = cluster
        .all::<ConfigMap>()
        .map(|(_, c)| ("ConfigMap", c.metadata.namespace.as_deref().unwrap_or("")))
        .chain(
            cluster
                .all::<Secret>()
                .map(|(_, s)| ("Secret", s.metadata.namespace.as_deref().unwrap_or(""))),
        )
        .collect();
    for (entry, pod) in util::pods(cluster) {
        if matches!(util::phase(pod), "Succeeded" | "Failed") {
            continue;
        }
        // Most pods neither wait in CreateContainerConfigError nor refer to anything absent:
        // they are passed over, without writing out their references, before their events
        // are looked up.
        let in_ns = pod.metadata.namespace.as_deref().unwrap_or("");
        let dump = matches!(entry.origin.format, SourceFormat::Json | SourceFormat::Yaml);
        let absent = |kind: &str, name: &str, key: Option<&str>, optional: bool| {
            !optional
                && kinds_present.contains(&(kind, in_ns))
                && cluster
                    .get(kind, Some(in_ns), name)
                    .is_none_or(|e| key.is_some_and(|k| lacks_key(e, k)))
        };
        let config_error = util::waiting_reasons(pod).any(|r| r == "CreateContainerConfigError");
        let mut refers_to_absent = false;
        if dump && !config_error {
            visit_pod_references(pod, |r| {
                refers_to_absent = refers_to_absent
                    || (matches!(r.kind, "ConfigMap" | "Secret")
                        && !matches!(r.site, Site::PullSecret(_))
                        && absent(r.kind, r.name, r.key, r.optional));
            });
        }
        if !(config_error || refers_to_absent) {
            continue;
        }
        let refs: Vec<PodReference> = pod_references(pod)
            .into_iter()
            .filter(|r| matches!(r.kind, "ConfigMap" | "Secret"))
            .filter(|r| !r.field.starts_with("spec.imagePullSecrets"))
            .collect();
        let pod_ref = entry.object_ref();
        let ns = pod_ref.namespace.clone().unwrap_or_default();
        let events = cluster.events_for(&pod_ref);
        let mut reported: BTreeSet<Missing> = BTreeSet::new();
        let views = util::containers(pod);

        // What the kubelet says now.
        for c in &views {
            if c.waiting_reason() != Some("CreateContainerConfigError") {
                continue;
            }
            let Some((msg, msg_ev)) =
                common::config_error(cluster, entry, c, &events, |m| parse(m).is_some())
            else {
                continue;
            };
            let Some(missing) = parse(&msg) else {
                continue;
            };
            let r = find_ref(&refs, &missing, &c.spec_path.to_string());
            let present = object_entry(cluster, &ns, &missing);
            let mut f = finding(entry, &ns, &missing, r, present, Some(c.name))
                .evidence(Evidence::field(
                    entry,
                    &format!("{}.state.waiting.reason", c.status_path),
                    "waiting in CreateContainerConfigError",
                ))
                .evidence(msg_ev);
            f.message.push_str(" (CreateContainerConfigError)");
            out.push(f);
            reported.insert(missing);
        }

        // What the snapshot shows is absent: only for a pod read from a dump (its spec is
        // complete and the reference can be cited), never for a service account's token
        // Secret (managed by the cluster).
        if !matches!(entry.origin.format, SourceFormat::Json | SourceFormat::Yaml) {
            continue;
        }
        let mounting_fails = !common::mount_failures(&events).is_empty();
        let started = common::pod_started(pod);
        let token_prefix = format!(
            "{}-token-",
            pod.spec
                .as_ref()
                .and_then(|s| s.service_account_name.as_deref())
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
        );
        for r in &refs {
            if r.optional
                || SYSTEM_OBJECTS.contains(&r.name.as_str())
                || r.name.is_empty()
                || (r.kind == "Secret" && r.name.starts_with(&token_prefix))
            {
                continue;
            }
            if r.field.starts_with("spec.volumes") && mounting_fails {
                // KT-CREATE-002 reports the volume with the kubelet's own words.
                continue;
            }
            if !kinds_present.contains(&(r.kind, ns.as_str())) {
                continue;
            }
            let present = cluster.get(r.kind, Some(&ns), &r.name);
            let missing = match (present, &r.key) {
                (None, _) => Missing {
                    kind: r.kind,
                    name: r.name.clone(),
                    key: None,
                },
                (Some(e), Some(k)) if lacks_key(e, k) => Missing {
                    kind: r.kind,
                    name: r.name.clone(),
                    key: Some(k.clone()),
                },
                _ => continue,
            };
            if reported.contains(&missing)
                || reported.contains(&Missing {
                    key: None,
                    ..missing.clone()
                })
            {
                continue;
            }
            let container = views
                .iter()
                .find(|c| {
                    !c.spec_path.is_empty() && r.field.starts_with(&format!("{}.", c.spec_path))
                })
                .map(|c| c.name);
            let mut f = finding(entry, &ns, &missing, Some(r), present, container);
            if started {
                f = f.severity(Severity::Warning);
                f.message
                    .push_str("; the pod runs now, but a restarted container will not be created");
            } else if missing.key.is_none() {
                let n = cluster.in_namespace(r.kind, Some(ns.as_str())).count();
                f.message.push_str(&format!(
                    " (the snapshot holds {n} {}{} in namespace {ns}, none named {})",
                    r.kind,
                    if n == 1 { "" } else { "s" },
                    r.name
                ));
            }
            if let Some(c) = views.iter().find(|c| Some(c.name) == container) {
                if let Some(w) = c.waiting_reason() {
                    f = f.evidence(Evidence::field(
                        entry,
                        &format!("{}.state.waiting.reason", c.status_path),
                        format!("waiting in {w}"),
                    ));
                }
            }
            reported.insert(missing);
            out.push(f);
        }
    }
}

/// Reads `configmap "x" not found`, `secret "x" not found` and `couldn't find key K in
/// ConfigMap ns/x`.
fn parse(m: &str) -> Option<Missing> {
    if let Some((_, rest)) = m.split_once("couldn't find key ") {
        let mut words = rest.split_whitespace();
        let key = words.next()?.to_string();
        if words.next() != Some("in") {
            return None;
        }
        let kind = match words.next()? {
            "ConfigMap" | "configmap" => "ConfigMap",
            "Secret" | "secret" => "Secret",
            _ => return None,
        };
        let obj = words.next()?.trim_end_matches(['.', ',', ')']);
        let name = obj.rsplit_once('/').map_or(obj, |(_, n)| n).to_string();
        return Some(Missing {
            kind,
            name,
            key: Some(key),
        });
    }
    if !contains_ci(m, "not found") {
        return None;
    }
    let (k, name) = common::quoted_after(m, &["configmaps", "configmap", "secrets", "secret"])?;
    let kind = if k.to_ascii_lowercase().starts_with("configmap") {
        "ConfigMap"
    } else {
        "Secret"
    };
    Some(Missing {
        kind,
        name: name.to_string(),
        key: None,
    })
}

/// The reference the error is about: in this container first, then anywhere (volumes).
fn find_ref<'r>(
    refs: &'r [PodReference],
    m: &Missing,
    spec_path: &str,
) -> Option<&'r PodReference> {
    let matches = |r: &&PodReference| {
        r.kind == m.kind
            && r.name == m.name
            && (m.key.is_none() || r.key.as_deref() == m.key.as_deref())
    };
    let prefix = format!("{spec_path}.");
    refs.iter()
        .filter(matches)
        .find(|r| !spec_path.is_empty() && r.field.starts_with(&prefix))
        .or_else(|| refs.iter().find(matches))
}

fn object_entry<'a>(cluster: &'a Cluster, ns: &str, m: &Missing) -> Option<&'a Entry> {
    cluster.get(m.kind, Some(ns), &m.name)
}

/// Whether a ConfigMap or Secret whose data the snapshot has lacks `key`.
fn lacks_key(e: &Entry, key: &str) -> bool {
    if let Some(c) = util::typed::<ConfigMap>(e) {
        return (c.data.is_some() || c.binary_data.is_some())
            && !c.data.as_ref().is_some_and(|d| d.contains_key(key))
            && !c.binary_data.as_ref().is_some_and(|d| d.contains_key(key));
    }
    if let Some(s) = util::typed::<Secret>(e) {
        return (s.data.is_some() || s.string_data.is_some())
            && !s.data.as_ref().is_some_and(|d| d.contains_key(key))
            && !s.string_data.as_ref().is_some_and(|d| d.contains_key(key));
    }
    false
}

/// The keys of a ConfigMap or Secret, when the snapshot has its data (never the values).
fn keys_of(e: &Entry) -> Option<BTreeSet<String>> {
    if let Some(c) = util::typed::<ConfigMap>(e) {
        if c.data.is_none() && c.binary_data.is_none() {
            return None;
        }
        return Some(
            c.data
                .iter()
                .flat_map(|d| d.keys())
                .chain(c.binary_data.iter().flat_map(|d| d.keys()))
                .cloned()
                .collect(),
        );
    }
    if let Some(s) = util::typed::<Secret>(e) {
        if s.data.is_none() && s.string_data.is_none() {
            return None;
        }
        return Some(
            s.data
                .iter()
                .flat_map(|d| d.keys())
                .chain(s.string_data.iter().flat_map(|d| d.keys()))
                .cloned()
                .collect(),
        );
    }
    None
}

/// The name field of a reference (`...configMapRef.name`, `...secret.secretName`).
fn name_field(r: &PodReference) -> String {
    if r.field.ends_with(".secret")
        && r.field.starts_with("spec.volumes")
        && !r.field.contains("projected")
    {
        format!("{}.secretName", r.field)
    } else {
        format!("{}.name", r.field)
    }
}

fn finding(
    entry: &Entry,
    ns: &str,
    m: &Missing,
    r: Option<&PodReference>,
    present: Option<&Entry>,
    container: Option<&str>,
) -> Finding {
    let who = match container {
        Some(c) => format!("container {c}"),
        None => "the pod".to_string(),
    };
    let (path, label) = match (r, &m.key) {
        (Some(r), Some(_)) => (Some(format!("{}.key", r.field)), "the key it refers to"),
        (Some(r), None) => (Some(name_field(r)), "the reference"),
        (None, _) => (None, ""),
    };
    let at = path
        .as_deref()
        .map(|p| format!(", referenced by `{p}`"))
        .unwrap_or_default();
    let kubectl = if m.kind == "Secret" {
        format!("kubectl create secret generic {} -n {ns} ...", m.name)
    } else {
        format!("kubectl create configmap {} -n {ns} ...", m.name)
    };
    let fix_field = path
        .as_deref()
        .map(|p| format!("`{p}`"))
        .unwrap_or_else(|| "the reference in the pod spec".to_string());
    let (message, help, cause) = match &m.key {
        Some(k) => {
            let keys = present.and_then(keys_of).map(|ks| {
                if ks.is_empty() {
                    " (it has no keys)".to_string()
                } else {
                    format!(
                        " (its keys: {})",
                        ks.into_iter().collect::<Vec<_>>().join(", ")
                    )
                }
            });
            (
                format!(
                    "{who} cannot be created: {} \"{}\" has no key {k}{at}{}",
                    m.kind,
                    m.name,
                    keys.unwrap_or_default()
                ),
                format!(
                    "add key `{k}` to {} `{}` in namespace {ns}, or correct {fix_field}; set \
                     `optional: true` on the reference if the container can run without it",
                    m.kind, m.name
                ),
                format!("{}/{}:{k}", m.kind, m.name),
            )
        }
        None => (
            format!(
                "{who} cannot be created: {} \"{}\" does not exist in namespace {ns}{at}",
                m.kind, m.name
            ),
            format!(
                "create {} `{}` in namespace {ns} (`{kubectl}`), or correct {fix_field}; set \
                 `optional: true` on the reference if the container can run without it",
                m.kind, m.name
            ),
            format!("{}/{}", m.kind, m.name),
        ),
    };
    let mut f = Finding::new(&RULE, entry.object_ref())
        .message(message)
        .help(help)
        .cause(cause);
    if let Some(c) = container {
        f = f.container(c);
    }
    if let Some(p) = &path {
        f = f.evidence_opt(common::field_if_known(entry, p, label));
    }
    if let (Some(e), Some(_)) = (present, &m.key) {
        // Keys only: a Secret's values are never cited.
        f = if m.kind == "ConfigMap" {
            f.evidence(Evidence::field(e, "data", "the ConfigMap's keys"))
        } else {
            f.evidence(Evidence::object(e, "the Secret (keys only)"))
        };
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            parse("configmap \"app-config\" not found"),
            Some(Missing {
                kind: "ConfigMap",
                name: "app-config".into(),
                key: None
            })
        );
        assert_eq!(
            parse("couldn't find key MAX in ConfigMap default/app-config"),
            Some(Missing {
                kind: "ConfigMap",
                name: "app-config".into(),
                key: Some("MAX".into())
            })
        );
        assert_eq!(
            parse("secrets \"db-pass\" not found").map(|m| m.kind),
            Some("Secret")
        );
        assert_eq!(
            parse("container has runAsNonRoot and image will run as root"),
            None
        );
    }
}
