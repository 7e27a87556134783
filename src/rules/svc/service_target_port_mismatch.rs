//! KT-SVC-003 service-target-port-mismatch

use super::common::{self, from_text, Index};
use crate::declare_rule;
use crate::model::{Cluster, Entry};
use crate::rules::{Evidence, Finding, Findings, Severity};
use k8s_openapi::api::core::v1::{Container, ContainerPort, Pod};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

declare_rule! {
    /// ## What it does
    /// Finds Service ports whose `targetPort` is not a port of the pods the Service selects.
    ///
    /// The target is either a number that is no container's `containerPort`, or a name that
    /// no container's `ports[].name` carries. An unset `targetPort` is the `port` itself.
    ///
    /// A numeric `targetPort` is only checked against pods that declare their ports (a
    /// container may listen on a port it does not declare; the ports of mesh proxies such as
    /// `istio-proxy` do not count as declared by the pod). A named one must always resolve,
    /// except when the pods come from `kubectl describe` text, which does not print port
    /// names. When only some of the selected pods miss the port (two versions of a
    /// Deployment during a rollout), the finding is a `warning`.
    ///
    /// ## Why is this bad?
    /// With a number that nothing listens on, kube-proxy forwards connections to a closed
    /// port: clients get `connection refused` although the pods are Running and Ready and
    /// the Service has endpoints. With a name that does not resolve, the endpoints controller
    /// leaves the pods out of that port's endpoints altogether.
    ///
    /// ## Example
    /// ```text
    /// Service:                        Pod:
    ///   Port:        http  80/TCP       Containers:
    ///   TargetPort:  8080/TCP             api:
    ///   Endpoints:   10.1.0.6:8080          Port:  8000/TCP
    /// ```
    ///
    /// ## How to fix
    /// Set `spec.ports[].targetPort` of the Service to the `containerPort` the application
    /// listens on (or to the name of that port), or change the container to listen on, and
    /// declare, the port the Service targets.
    pub(crate) static RULE = {
        code: "KT-SVC-003",
        name: "service-target-port-mismatch",
        severity: Error,
        check: check,
    };
}

/// Containers whose ports say nothing about the application's.
const PROXIES: &[&str] = &["istio-proxy", "linkerd-proxy"];

enum Verdict {
    Ok,
    Missing,
    Unknown,
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let idx = Index::new(cluster);
    for s in common::selecting_services(cluster) {
        let (entry, svc, ns, name) = (s.entry, s.svc, s.ns, s.name);
        let pods: Vec<(&Entry, &Pod)> = idx
            .selected(&s)
            .into_iter()
            .filter(|(_, p)| !common::gone(p) && p.spec.is_some())
            .collect();
        if pods.is_empty() {
            continue;
        }
        let ports = svc
            .spec
            .as_ref()
            .and_then(|s| s.ports.as_deref())
            .unwrap_or(&[]);
        for (i, sp) in ports.iter().enumerate() {
            let port = IntOrString::Int(sp.port);
            let target = sp.target_port.as_ref().unwrap_or(&port);
            let mut ok = 0;
            let mut missing: Vec<(&Entry, &Pod)> = Vec::new();
            for &(pe, pod) in &pods {
                match verdict(pe, pod, target) {
                    Verdict::Ok => ok += 1,
                    Verdict::Missing => missing.push((pe, pod)),
                    Verdict::Unknown => {}
                }
            }
            let Some(&(first, first_pod)) = missing.first() else {
                continue;
            };
            let path = match &sp.target_port {
                Some(_) => format!("spec.ports[{i}].targetPort"),
                None => format!("spec.ports[{i}].port"),
            };
            let declared = declared_ports(first_pod);
            let declared_text = if declared.is_empty() {
                "no ports".to_string()
            } else {
                declared
                    .iter()
                    .map(|(_, _, p)| port_text(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let port_name = sp
                .name
                .as_deref()
                .map_or_else(String::new, |n| format!(" ({n})"));
            let target_text = match target {
                IntOrString::Int(n) => n.to_string(),
                IntOrString::String(s) => format!("`{s}`"),
            };
            let names: Vec<&str> = missing.iter().map(|(e, _)| pod_name(e)).collect();
            let which = if missing.len() == pods.len() {
                match pods.len() {
                    1 => format!("the pod it selects ({})", names.join("")),
                    n => format!("the {n} pods it selects ({})", common::name_list(&names, 3)),
                }
            } else {
                format!(
                    "{} of the {} pods it selects ({})",
                    missing.len(),
                    pods.len(),
                    common::name_list(&names, 3)
                )
            };
            let verb = match target {
                IntOrString::Int(_) => "declares",
                IntOrString::String(_) => "names",
            };
            let message = format!(
                "Service {ns}/{name} sends port {}{port_name} to targetPort {target_text}, which \
                 no container of {which} {verb} (container ports: {declared_text})",
                sp.port
            );
            let suggestion = suggest(target, &declared);
            let otherwise = match target {
                IntOrString::Int(_) => {
                    format!("make the container listen on {target_text} and declare it in `ports`")
                }
                IntOrString::String(_) => {
                    format!("name the port the application listens on {target_text} in the pod template")
                }
            };
            let help = match suggestion {
                Some(s) => format!("set `{path}` of Service {name} to {s}, or {otherwise}"),
                None => match target {
                    IntOrString::Int(n) => format!(
                        "set `{path}` of Service {name} to the port the application listens \
                         on, or make it listen on {n} and declare `containerPort: {n}`"
                    ),
                    IntOrString::String(s) => format!(
                        "name the container port the application listens on `{s}` in the pod \
                         template (`ports[].name`), or set `{path}` of Service {name} to its \
                         number"
                    ),
                },
            };
            let mut f = Finding::new(&RULE, entry.object_ref())
                .message(message)
                .help(help)
                .cause(target_text.clone())
                .evidence(Evidence::field(
                    entry,
                    &path,
                    format!("the Service targets {target_text}"),
                ));
            if ok > 0 {
                f = f.severity(Severity::Warning);
            }
            f = match declared.first() {
                Some((c, _, _)) => f.evidence(Evidence::field(
                    first,
                    &format!("{c}.ports"),
                    "the container ports",
                )),
                None => f.evidence(Evidence::field(
                    first,
                    "spec.containers[0].name",
                    "the container declares no ports",
                )),
            };
            out.push(f);
        }
    }
}

fn pod_name(e: &Entry) -> &str {
    e.object.metadata().name.as_deref().unwrap_or("")
}

/// The containers that can serve a Service: the app containers and the sidecars that keep
/// running (init containers with `restartPolicy: Always`), with where each is.
fn serving(pod: &Pod) -> impl Iterator<Item = (ContainerAt, &Container)> {
    let spec = pod.spec.as_ref();
    let main = spec
        .map(|s| s.containers.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, c)| (ContainerAt(false, i), c));
    let sidecars = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.restart_policy.as_deref() == Some("Always"))
        .map(|(i, c)| (ContainerAt(true, i), c));
    main.chain(sidecars)
}

/// Where a container is in its pod: (init container, index).
#[derive(Clone, Copy)]
struct ContainerAt(bool, usize);

impl ContainerAt {
    /// `spec.containers[0]`, `spec.initContainers[1]`.
    fn path(self) -> String {
        match self {
            ContainerAt(false, i) => format!("spec.containers[{i}]"),
            ContainerAt(true, i) => format!("spec.initContainers[{i}]"),
        }
    }
}

/// Declared ports of the containers that serve (path of the container, its name, the port),
/// mesh proxies left out.
fn declared_ports(pod: &Pod) -> Vec<(String, &str, &ContainerPort)> {
    serving(pod)
        .filter(|(_, c)| !PROXIES.contains(&c.name.as_str()))
        .flat_map(|(at, c)| {
            c.ports
                .iter()
                .flatten()
                .map(move |p| (at.path(), c.name.as_str(), p))
        })
        .collect()
}

/// True when a serving container other than a mesh proxy declares a port.
fn declares_ports(pod: &Pod) -> bool {
    serving(pod).any(|(_, c)| {
        !PROXIES.contains(&c.name.as_str()) && c.ports.as_ref().is_some_and(|p| !p.is_empty())
    })
}

fn verdict(entry: &Entry, pod: &Pod, target: &IntOrString) -> Verdict {
    let mut all = serving(pod).flat_map(|(_, c)| c.ports.iter().flatten());
    match target {
        IntOrString::Int(n) => {
            if all.any(|p| p.container_port == *n) {
                Verdict::Ok
            } else if !declares_ports(pod) {
                Verdict::Unknown
            } else {
                Verdict::Missing
            }
        }
        IntOrString::String(s) => {
            if all.any(|p| p.name.as_deref() == Some(s.as_str())) {
                Verdict::Ok
            } else if from_text(entry) {
                // Describe text prints no port names.
                Verdict::Unknown
            } else if let Ok(n) = s.parse::<i32>() {
                // A number written as a string still targets that port.
                if serving(pod)
                    .flat_map(|(_, c)| c.ports.iter().flatten())
                    .any(|p| p.container_port == n)
                {
                    Verdict::Ok
                } else if !declares_ports(pod) {
                    Verdict::Unknown
                } else {
                    Verdict::Missing
                }
            } else {
                Verdict::Missing
            }
        }
    }
}

/// `8000/TCP http`.
fn port_text(p: &ContainerPort) -> String {
    let proto = p.protocol.as_deref().unwrap_or("TCP");
    match p.name.as_deref() {
        Some(n) => format!("{}/{proto} {n}", p.container_port),
        None => format!("{}/{proto}", p.container_port),
    }
}

/// The port to target instead: a name close to the wanted one, else the only declared port.
fn suggest(target: &IntOrString, declared: &[(String, &str, &ContainerPort)]) -> Option<String> {
    if let IntOrString::String(s) = target {
        if let Some((_, c, p)) = declared
            .iter()
            .find(|(_, _, p)| p.name.as_deref().is_some_and(|n| common::is_typo(n, s)))
        {
            return Some(format!(
                "`{}` (the port {} of container {c}, a typo?)",
                p.name.as_deref().unwrap_or(""),
                p.container_port
            ));
        }
    }
    let mut nums: Vec<(i32, &str, Option<&str>)> = declared
        .iter()
        .map(|(_, c, p)| (p.container_port, *c, p.name.as_deref()))
        .collect();
    nums.sort();
    nums.dedup_by_key(|x| x.0);
    match nums.as_slice() {
        [(n, c, Some(pn))] => Some(format!(
            "{n} or `{pn}` (the containerPort of container {c})"
        )),
        [(n, c, None)] => Some(format!("{n} (the containerPort of container {c})")),
        _ => None,
    }
}
