//! CrashLoopBackOff / Error / RunContainerError: containers that start and die.
//!
//! One shared diagnosis ([`diagnose`]) finds the single most specific cause of a crashing
//! container. It reads, in order: a liveness probe that killed the last instance (the
//! kubelet's `Killing` event), the previous instance's log, the current log, the termination
//! and waiting messages, recent `Failed` events of the container, then the spec. Each
//! KT-CRASH rule fires only when the cause is its own, so a container gets exactly one of
//! them; KT-CRASH-001 fires when no specific cause is found. A container whose last
//! termination is `OOMKilled` belongs to KT-OOM-001 and gets none.

mod app_exception;
pub(crate) mod common;
mod crash_loop;
mod exec_format_error;
mod file_not_found;
mod liveness_probe_failing;
mod missing_env_var;
mod module_not_found;
mod permission_denied;
mod port_in_use;

use super::util::{self, ContainerView};
use super::{Evidence, Finding, Rule, Severity};
use crate::ingest::logs::signals::{message_of, Frame};
use crate::ingest::logs::Instance;
use crate::model::{Cluster, ContainerLog, Entry, EventRecord, Object, Typed};
use common::{candidates, clip, pick, Cand, Raw, Text};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Container, ContainerStateTerminated, EnvFromSource, Pod, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[
    &crash_loop::RULE,
    &missing_env_var::RULE,
    &module_not_found::RULE,
    &file_not_found::RULE,
    &port_in_use::RULE,
    &app_exception::RULE,
    &liveness_probe_failing::RULE,
    &exec_format_error::RULE,
    &permission_denied::RULE,
];

/// A container that is crashing now, or that crashed before and is running and ready again.
pub(crate) struct Crash<'a> {
    /// The pod's entry.
    pub entry: &'a Entry,
    /// The pod.
    pub pod: &'a Pod,
    /// The container, spec and status.
    pub c: ContainerView<'a>,
    /// Namespace of the pod.
    pub ns: &'a str,
    /// Name of the pod.
    pub pod_name: &'a str,
    /// Crashing now; `false` for history (running and ready again).
    pub active: bool,
    /// The last termination and its path.
    pub term: Option<(&'a ContainerStateTerminated, String)>,
}

impl<'a> Crash<'a> {
    /// `container api` or `init container setup`.
    pub fn who(&self) -> String {
        if self.c.init {
            format!("init container {}", self.c.name)
        } else {
            format!("container {}", self.c.name)
        }
    }

    /// The exit code of the last termination.
    pub fn exit_code(&self) -> Option<i32> {
        self.term.as_ref().map(|(t, _)| t.exit_code)
    }

    /// The reason of the last termination (`Error`, `Completed`...).
    pub fn term_reason(&self) -> Option<&str> {
        self.term.as_ref().and_then(|(t, _)| t.reason.as_deref())
    }

    /// Restarts and current state, for the end of a message: `5 restarts, now in
    /// CrashLoopBackOff`, or `running and ready again after 3 restarts`.
    pub fn state_phrase(&self) -> String {
        let restarts = match self.c.restarts() {
            0 => "no restart yet".to_string(),
            n => plural(n, "restart"),
        };
        if !self.active {
            return format!("running and ready again after {restarts}");
        }
        match self.c.waiting_reason() {
            Some(w) => format!("{restarts}, now in {w}"),
            None if self.c.running() => format!("{restarts}, running but not ready"),
            None => format!("{restarts}, terminated"),
        }
    }

    /// The container's spec.
    pub fn spec(&self) -> Option<&'a Container> {
        self.c.spec
    }

    /// The volume mount a path is under: (index, volume, mount path), the deepest one.
    pub fn mount_of(&self, path: &str) -> Option<(usize, String, String)> {
        self.spec()?
            .volume_mounts
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, m)| {
                let at = m.mount_path.trim_end_matches('/');
                !at.is_empty()
                    && (path == at || path.strip_prefix(at).is_some_and(|r| r.starts_with('/')))
            })
            .max_by_key(|(_, m)| m.mount_path.len())
            .map(|(i, m)| (i, m.name.clone(), m.mount_path.clone()))
    }

    /// The spec path of a container field: `spec.containers[0].livenessProbe`.
    pub fn spec_field(&self, field: &str) -> String {
        format!("{}.{field}", self.c.spec_path)
    }

    /// `now` for a container crashing now, `then` for one that crashed before.
    pub fn tense(&self, now: &'static str, then: &'static str) -> &'static str {
        if self.active {
            now
        } else {
            then
        }
    }
}

/// Every crashing container (and every container that crashed before and is healthy now),
/// in snapshot order. Containers whose last termination is `OOMKilled` are left to KT-OOM-001.
pub(crate) fn crashes(cluster: &Cluster) -> Vec<Crash<'_>> {
    // Which containers crash is found once per run; each crash rule rebuilds only those.
    let at = cluster.memo(|| {
        let mut at = Vec::new();
        // A container that crashes or crashed restarted or terminated: its pod shows trouble.
        for (i, entry) in cluster.pods_of_note_at() {
            let Some(pod) = util::typed::<Pod>(entry) else {
                continue;
            };
            for (view, c) in util::containers(pod).iter().enumerate() {
                if let Some(active) = crashing(pod, c) {
                    at.push((i, view, active));
                }
            }
        }
        CrashAt(at)
    });
    at.0.iter()
        .filter_map(|&(i, view, active)| {
            let entry = cluster.entries().get(i)?;
            let pod = util::typed::<Pod>(entry)?;
            let c = util::containers(pod).into_iter().nth(view)?;
            let (ns, pod_name) = util::ns_name(pod);
            let term = c.last_termination();
            Some(Crash {
                entry,
                pod,
                c,
                ns,
                pod_name,
                active,
                term,
            })
        })
        .collect()
}

/// The crashing containers of a snapshot, as (pod entry position, position in
/// [`util::containers`], crashing now).
struct CrashAt(Vec<(usize, usize, bool)>);

/// `Some(true)` when the container crashes now, `Some(false)` when it crashed before and is
/// healthy again, `None` when it does not crash (or the pod was evicted).
fn crashing(pod: &Pod, c: &ContainerView<'_>) -> Option<bool> {
    let status = pod.status.as_ref();
    if status.and_then(|s| s.reason.as_deref()) == Some("Evicted") {
        return None;
    }
    let term = c.last_termination();
    crash_state(c, term.as_ref().map(|(t, _)| *t))
}

/// Every crashing container whose cause [`diagnose`] finds, with that cause.
pub(crate) fn diagnosed<'a>(
    cluster: &'a Cluster,
    tag: &'static str,
) -> impl Iterator<Item = (Crash<'a>, Found<'a>)> {
    let tags = cause_tags(cluster);
    crashes(cluster)
        .into_iter()
        .zip(tags.0.clone())
        .filter(move |(_, t)| *t == Some(tag))
        .filter_map(move |(crash, _)| {
            let found = diagnose(cluster, &crash)?;
            Some((crash, found))
        })
}

/// The crashing containers for which no specific cause was found.
pub(crate) fn undiagnosed(cluster: &Cluster) -> impl Iterator<Item = Crash<'_>> {
    let tags = cause_tags(cluster);
    crashes(cluster)
        .into_iter()
        .zip(tags.0.clone())
        .filter(|(_, t)| t.is_none())
        .map(|(crash, _)| crash)
}

/// The kind of cause of each container of [`crashes`], in its order: the logs are read once
/// per run, not once per crash rule.
struct CauseTags(Vec<Option<&'static str>>);

fn cause_tags(cluster: &Cluster) -> std::sync::Arc<CauseTags> {
    cluster.memo(|| {
        CauseTags(
            crashes(cluster)
                .iter()
                .map(|c| diagnose(cluster, c).map(|f| f.cause.tag()))
                .collect(),
        )
    })
}

/// `Some(true)` when the container is crashing now, `Some(false)` when it crashed before and
/// is running and ready again, `None` otherwise (or when the last termination is an OOM kill).
fn crash_state(c: &ContainerView<'_>, term: Option<&ContainerStateTerminated>) -> Option<bool> {
    if term.and_then(|t| t.reason.as_deref()) == Some("OOMKilled") {
        return None;
    }
    let restarts = c.restarts();
    match c.waiting_reason() {
        Some("CrashLoopBackOff" | "RunContainerError") => return Some(true),
        Some("Error") if restarts > 0 => return Some(true),
        _ => {}
    }
    let state = c.status.and_then(|s| s.state.as_ref());
    if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
        return (t.exit_code != 0 && restarts > 0).then_some(true);
    }
    let failed = term.is_some_and(|t| t.exit_code != 0);
    if restarts == 0 || !failed {
        return None;
    }
    if c.running() && c.ready() {
        // A container lost with its node or runtime (`Unknown`) did not crash.
        let lost = matches!(
            term.and_then(|t| t.reason.as_deref()),
            Some("Unknown" | "ContainerStatusUnknown")
        );
        return (!lost).then_some(false);
    }
    let no_state = state.is_none_or(|s| s.waiting.is_none() && s.running.is_none());
    (c.running() || no_state).then_some(true)
}

/// What made a container crash.
pub(crate) enum Cause<'a> {
    /// An environment variable the program needs is not set.
    MissingEnv(Box<MissingEnv<'a>>),
    /// A module, package or class is missing from the image.
    ModuleNotFound {
        /// Its name, when the line gives it.
        module: Option<String>,
    },
    /// A file, or the command itself, does not exist.
    FileNotFound {
        /// The path, when the line gives it.
        path: Option<String>,
        /// The command not found (`exec: "x": executable file not found in $PATH`).
        command: Option<String>,
    },
    /// The port is taken.
    PortInUse {
        /// The port, when the line gives it.
        port: Option<u16>,
    },
    /// An unhandled exception, panic or fatal error.
    AppException {
        /// `KeyError: 'user_id'`, `panic: ...`, the fatal line.
        summary: String,
        /// The application frame that raised it.
        frame: Option<Frame>,
        /// Out of memory inside the process (not an OOM kill).
        out_of_memory: bool,
        /// The environment variable the raising line reads, whose value is the bad input.
        reads_env: Option<String>,
    },
    /// The binary is for another CPU architecture.
    ExecFormat,
    /// Permission denied (or a read-only file system).
    PermissionDenied {
        /// The path, when the line gives it.
        path: Option<String>,
        /// `Read-only file system`.
        read_only: bool,
    },
    /// The kubelet killed it for a failing liveness probe.
    Liveness(Box<Liveness<'a>>),
}

impl Cause<'_> {
    /// The kind of cause, naming the rule that reports it.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            Cause::MissingEnv(_) => "missing-env-var",
            Cause::ModuleNotFound { .. } => "module-not-found",
            Cause::FileNotFound { .. } => "file-not-found",
            Cause::PortInUse { .. } => "port-in-use",
            Cause::AppException { .. } => "app-exception",
            Cause::ExecFormat => "exec-format-error",
            Cause::PermissionDenied { .. } => "permission-denied",
            Cause::Liveness(_) => "liveness-probe-failing",
        }
    }
}

/// The cause found and where.
pub(crate) struct Found<'a> {
    /// The cause.
    pub cause: Cause<'a>,
    /// Where it was read: `previous log`, `termination message`...
    pub source: &'static str,
    /// The line that shows it, clipped, for messages.
    pub quote: String,
    /// The places that show it.
    pub evidence: Vec<Evidence>,
}

/// The missing variable and what the spec and the snapshot say about it.
pub(crate) struct MissingEnv<'a> {
    /// The variable.
    pub var: String,
    /// The raising frame, for a Python `KeyError`.
    pub frame: Option<Frame>,
    /// Path of an `env` entry that sets it to an empty string.
    pub empty: Option<String>,
    /// `envFrom` sources of the container (none holds the variable).
    pub refs: Vec<EnvRef<'a>>,
    /// ConfigMaps and Secrets of the namespace that hold it.
    pub holders: Vec<Holder<'a>>,
    /// An older revision of the workload whose container had a source this one lacks.
    pub older: Option<Older<'a>>,
}

/// An `envFrom` source of the container.
pub(crate) struct EnvRef<'a> {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Spec path of the reference.
    pub field: String,
    /// The object, when the snapshot has it.
    pub object: Option<&'a Entry>,
    /// Marked `optional: true`, and the snapshot holds other objects of its kind in the
    /// namespace but not this one: it does not exist, and the container started without it.
    pub optional_absent: bool,
}

/// A ConfigMap or Secret that holds the variable.
pub(crate) struct Holder<'a> {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// The key as stored (the variable without an `envFrom` prefix).
    pub key: String,
    /// The object.
    pub entry: &'a Entry,
}

/// An older ReplicaSet of the same Deployment whose container had an `env`/`envFrom` entry
/// the current one lacks.
pub(crate) struct Older<'a> {
    /// The ReplicaSet.
    pub rs: &'a Entry,
    /// Its `deployment.kubernetes.io/revision`.
    pub revision: Option<String>,
    /// Path of the field (`spec.template.spec.containers[0].envFrom`).
    pub field: String,
    /// The entry as YAML flow text: `envFrom: [{configMapRef: {name: app-config}}]`.
    pub snippet: String,
    /// The source it names, when it holds the variable in the snapshot.
    pub holder: Option<Holder<'a>>,
}

/// A liveness probe that kills the container.
pub(crate) struct Liveness<'a> {
    /// The latest `Killing` event for a failed liveness probe.
    pub kill: Option<&'a EventRecord>,
    /// The latest `Unhealthy` liveness event.
    pub unhealthy: Option<&'a EventRecord>,
    /// The probe.
    pub probe: Option<&'a Probe>,
    /// The probe's port field and what is wrong with it: (path, text).
    pub port_problem: Option<(String, String)>,
}

/// The cause of a crashing container: the most specific one found, in source order.
pub(crate) fn diagnose<'a>(cluster: &'a Cluster, crash: &Crash<'a>) -> Option<Found<'a>> {
    let events = cluster.events_for(&crash.entry.object_ref());
    if let Some(f) = liveness_from_events(crash, cluster, &events) {
        return Some(f);
    }
    let defined = |var: &str| env_defined(cluster, crash, var);
    // Killed by a signal (137, 143): what the program logged did not end it, except running
    // out of memory inside the process (a JVM that kills itself on OutOfMemoryError).
    let signalled = matches!(crash.exit_code(), Some(137 | 143));
    let candidates = |t: &Text<'_>| {
        let mut c = candidates(t, &defined);
        if signalled {
            c.retain(|c| matches!(c.raw, Raw::App { oom: true, .. }));
        }
        c
    };
    let prev = cluster.log_of(crash.ns, crash.pod_name, crash.c.name, Instance::Previous);
    let cur = cluster.log_of(crash.ns, crash.pod_name, crash.c.name, Instance::Current);
    let healthy_now = crash.c.running() && crash.c.ready();
    let logs = [
        (prev, "previous log"),
        (cur.filter(|_| !healthy_now), "current log"),
    ];
    for (log, source) in logs {
        let Some(log) = log else { continue };
        if log.digest.collection_error.is_some() {
            continue;
        }
        let text = Text::of_log(log);
        if let Some(c) = pick(candidates(&text), Some(text.last_line)) {
            return Some(found_in_log(cluster, crash, c, &text, log, source));
        }
    }
    // Status messages: the termination message, then the waiting message.
    let mut messages: Vec<(String, String, &'static str)> = Vec::new();
    if let Some((t, path)) = &crash.term {
        if let Some(m) = t.message.as_deref().filter(|m| !m.trim().is_empty()) {
            messages.push((
                m.to_string(),
                format!("{path}.message"),
                "termination message",
            ));
        }
    }
    if let Some(m) = crash.c.waiting_message() {
        messages.push((
            m.to_string(),
            format!("{}.state.waiting.message", crash.c.status_path),
            "waiting message",
        ));
    }
    for (m, path, source) in messages {
        let text = Text::of_message(&m);
        if let Some(c) = pick(candidates(&text), None) {
            let quote = clip(&message_of(&c.text), 200);
            let ev = Evidence::field(crash.entry, &path, format!("the {source}"));
            return Some(resolve(cluster, crash, c, source, quote, vec![ev]));
        }
    }
    // Recent `Failed` events of this container (the runtime's start errors).
    let since = started_at(crash);
    for e in events.iter().rev() {
        if !util::reason_is(e, &["Failed"]) || !recent(e, since) {
            continue;
        }
        if !event_is_for(cluster, e, crash, false) {
            continue;
        }
        let Some(m) = e.message.as_deref() else {
            continue;
        };
        let text = Text::of_message(m);
        if let Some(c) = pick(candidates(&text), None) {
            let quote = clip(m, 200);
            let ev = Evidence::event(cluster, e, format!("Failed{}", util::times(e)));
            return Some(resolve(cluster, crash, c, "event", quote, vec![ev]));
        }
    }
    liveness_from_spec(crash)
}

fn found_in_log<'a>(
    cluster: &'a Cluster,
    crash: &Crash<'a>,
    c: Cand,
    t: &Text<'_>,
    log: &'a ContainerLog,
    source: &'static str,
) -> Found<'a> {
    let quote = clip(&message_of(&c.text), 200);
    let mut ev = vec![Evidence::log(
        log,
        c.line,
        &c.text,
        format!("the cause, in the {source}"),
    )];
    for (n, label) in &c.extra {
        if let Some(text) = t.line(*n) {
            ev.push(Evidence::log(log, *n, text, *label));
        }
    }
    resolve(cluster, crash, c, source, quote, ev)
}

/// Turns a raw cause into the finding's cause, consulting the spec and the snapshot.
fn resolve<'a>(
    cluster: &'a Cluster,
    crash: &Crash<'a>,
    c: Cand,
    source: &'static str,
    quote: String,
    evidence: Vec<Evidence>,
) -> Found<'a> {
    let cause = match c.raw {
        Raw::Env { var, frame } => {
            Cause::MissingEnv(Box::new(missing_env(cluster, crash, var, frame)))
        }
        Raw::Module(module) => Cause::ModuleNotFound { module },
        Raw::File { path, command } => Cause::FileNotFound { path, command },
        Raw::Port(port) => Cause::PortInUse { port },
        Raw::Exec => Cause::ExecFormat,
        Raw::Perm { path, read_only } => Cause::PermissionDenied { path, read_only },
        Raw::App {
            summary,
            frame,
            oom,
            reads_env,
        } => Cause::AppException {
            summary,
            frame,
            out_of_memory: oom,
            reads_env,
        },
    };
    Found {
        cause,
        source,
        quote,
        evidence,
    }
}

// ---------------------------------------------------------------------------------------
// Environment variables: the spec, the ConfigMaps and Secrets, older revisions.

/// True when the container's spec sets `var` (a non-empty `env` value, a `valueFrom`, or an
/// `envFrom` source that the snapshot shows holds it).
fn env_defined(cluster: &Cluster, crash: &Crash<'_>, var: &str) -> bool {
    let Some(spec) = crash.c.spec else {
        return false;
    };
    for e in spec.env.iter().flatten() {
        if e.name == var {
            return e.value_from.is_some() || e.value.as_deref().is_some_and(|v| !v.is_empty());
        }
    }
    spec.env_from
        .iter()
        .flatten()
        .any(|ef| source_holds(cluster, crash.ns, ef, var).is_some())
}

/// The ConfigMap or Secret of an `envFrom` source when the snapshot shows it holds `var`.
fn source_holds<'a>(
    cluster: &'a Cluster,
    ns: &str,
    ef: &EnvFromSource,
    var: &str,
) -> Option<Holder<'a>> {
    let key = var.strip_prefix(ef.prefix.as_deref().unwrap_or(""))?;
    if let Some(r) = &ef.config_map_ref {
        let entry = cluster.get("ConfigMap", Some(ns), &r.name)?;
        return holds_key(entry, key).then(|| Holder {
            kind: "ConfigMap",
            name: r.name.clone(),
            key: key.to_string(),
            entry,
        });
    }
    if let Some(r) = &ef.secret_ref {
        let entry = cluster.get("Secret", Some(ns), &r.name)?;
        return holds_key(entry, key).then(|| Holder {
            kind: "Secret",
            name: r.name.clone(),
            key: key.to_string(),
            entry,
        });
    }
    None
}

/// A ConfigMap or Secret has a key (key names only; values are never read).
fn holds_key(entry: &Entry, key: &str) -> bool {
    match &entry.object {
        Object::ConfigMap(cm) => {
            cm.data.as_ref().is_some_and(|d| d.contains_key(key))
                || cm.binary_data.as_ref().is_some_and(|d| d.contains_key(key))
        }
        Object::Secret(s) => {
            s.data.as_ref().is_some_and(|d| d.contains_key(key))
                || s.string_data.as_ref().is_some_and(|d| d.contains_key(key))
        }
        _ => false,
    }
}

fn missing_env<'a>(
    cluster: &'a Cluster,
    crash: &Crash<'a>,
    var: String,
    frame: Option<Frame>,
) -> MissingEnv<'a> {
    let mut m = MissingEnv {
        var,
        frame,
        empty: None,
        refs: Vec::new(),
        holders: Vec::new(),
        older: None,
    };
    if let Some(spec) = crash.c.spec {
        for (i, e) in spec.env.iter().flatten().enumerate() {
            if e.name == m.var && e.value_from.is_none() {
                m.empty = Some(crash.spec_field(&format!("env[{i}].value")));
            }
        }
        for (i, ef) in spec.env_from.iter().flatten().enumerate() {
            let (kind, name, sub, optional) = match (&ef.config_map_ref, &ef.secret_ref) {
                (Some(r), _) => ("ConfigMap", r.name.clone(), "configMapRef", r.optional),
                (None, Some(r)) => ("Secret", r.name.clone(), "secretRef", r.optional),
                _ => continue,
            };
            let object = cluster.get(kind, Some(crash.ns), &name);
            let collected = || cluster.in_namespace(kind, Some(crash.ns)).next().is_some();
            m.refs.push(EnvRef {
                kind,
                object,
                optional_absent: object.is_none() && optional == Some(true) && collected(),
                name,
                field: crash.spec_field(&format!("envFrom[{i}].{sub}.name")),
            });
        }
    }
    for cm in cluster.in_namespace("ConfigMap", Some(crash.ns)) {
        if holds_key(cm, &m.var) {
            m.holders.push(Holder {
                kind: "ConfigMap",
                name: cm.object.metadata().name.clone().unwrap_or_default(),
                key: m.var.clone(),
                entry: cm,
            });
        }
    }
    for s in cluster.in_namespace("Secret", Some(crash.ns)) {
        if holds_key(s, &m.var) {
            m.holders.push(Holder {
                kind: "Secret",
                name: s.object.metadata().name.clone().unwrap_or_default(),
                key: m.var.clone(),
                entry: s,
            });
        }
    }
    m.older = older_revision(cluster, crash, &m.var);
    m
}

/// The `deployment.kubernetes.io/revision` of a ReplicaSet.
fn revision(e: &Entry) -> Option<String> {
    e.object
        .metadata()
        .annotations
        .as_ref()?
        .get("deployment.kubernetes.io/revision")
        .cloned()
}

/// Same `envFrom` source: kind, name and prefix.
fn same_source(a: &EnvFromSource, b: &EnvFromSource) -> bool {
    let name = |e: &EnvFromSource| match (&e.config_map_ref, &e.secret_ref) {
        (Some(r), _) => Some(("ConfigMap", r.name.clone())),
        (None, Some(r)) => Some(("Secret", r.name.clone())),
        _ => None,
    };
    name(a) == name(b) && a.prefix == b.prefix
}

fn snippet(ef: &EnvFromSource) -> String {
    let prefix = ef
        .prefix
        .as_deref()
        .map(|p| format!("prefix: {p}, "))
        .unwrap_or_default();
    match (&ef.config_map_ref, &ef.secret_ref) {
        (Some(r), _) => format!("envFrom: [{{{prefix}configMapRef: {{name: {}}}}}]", r.name),
        (None, Some(r)) => format!("envFrom: [{{{prefix}secretRef: {{name: {}}}}}]", r.name),
        _ => "envFrom".to_string(),
    }
}

/// The newest older ReplicaSet of the pod's Deployment whose container had an `envFrom`
/// source (or an `env` entry for `var`) that the pod's container lacks; sources that hold
/// `var` in the snapshot first.
fn older_revision<'a>(cluster: &'a Cluster, crash: &Crash<'a>, var: &str) -> Option<Older<'a>> {
    let chain = cluster.owner_chain(crash.entry);
    let own_rs = chain.first().filter(|e| e.object.kind() == "ReplicaSet")?;
    let deploy = chain.get(1).filter(|e| e.object.kind() == "Deployment")?;
    let current = crash.c.spec?;
    let cur_from: &[EnvFromSource] = current.env_from.as_deref().unwrap_or(&[]);
    let mut best: Option<(bool, i64, Older<'a>)> = None;
    let siblings = cluster
        .owned(deploy)
        .filter_map(|e| ReplicaSet::from_object(&e.object).map(|rs| (e, rs)));
    for (rs_entry, rs) in siblings {
        if std::ptr::eq(rs_entry, *own_rs)
            || rs_entry.object.metadata().namespace.as_deref() != Some(crash.ns)
        {
            continue;
        }
        let Some(pspec) = rs.spec.template.as_ref().and_then(|t| t.spec.as_ref()) else {
            continue;
        };
        let (group, list) = if crash.c.init {
            (
                "initContainers",
                pspec.init_containers.as_deref().unwrap_or(&[]),
            )
        } else {
            ("containers", pspec.containers.as_slice())
        };
        let Some(ci) = list.iter().position(|c| c.name == crash.c.name) else {
            continue;
        };
        let old = &list[ci];
        let rev = revision(rs_entry);
        let rev_n = rev
            .as_deref()
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0);
        let base = format!("spec.template.spec.{group}[{ci}]");
        let mut consider = |holds: bool, older: Older<'a>| {
            if best
                .as_ref()
                .is_none_or(|(h, n, _)| (holds, rev_n) > (*h, *n))
            {
                best = Some((holds, rev_n, older));
            }
        };
        for ef in old.env_from.iter().flatten() {
            if cur_from.iter().any(|c| same_source(c, ef)) {
                continue;
            }
            let holder = source_holds(cluster, crash.ns, ef, var);
            consider(
                holder.is_some(),
                Older {
                    rs: rs_entry,
                    revision: rev.clone(),
                    field: format!("{base}.envFrom"),
                    snippet: snippet(ef),
                    holder,
                },
            );
        }
        let cur_has = current.env.iter().flatten().any(|e| e.name == var);
        if let (false, Some(i)) = (
            cur_has,
            old.env.iter().flatten().position(|e| e.name == var),
        ) {
            consider(
                true,
                Older {
                    rs: rs_entry,
                    revision: rev.clone(),
                    field: format!("{base}.env[{i}]"),
                    snippet: format!("env: [{{name: {var}, ...}}]"),
                    holder: None,
                },
            );
        }
    }
    best.map(|(_, _, o)| o)
}

// ---------------------------------------------------------------------------------------
// Liveness probes and events.

/// When the last terminated instance started.
fn started_at(crash: &Crash<'_>) -> Option<jiff::Timestamp> {
    crash
        .term
        .as_ref()
        .and_then(|(t, _)| t.started_at.as_ref())
        .map(|t| t.0)
        .filter(|t| t.as_second() > 0)
}

/// The event happened during or after the last terminated instance (ages read from describe
/// text are rounded, hence the slack).
fn recent(e: &EventRecord, since: Option<jiff::Timestamp>) -> bool {
    match (e.last, since) {
        (Some(last), Some(since)) => last.as_second() + 90 >= since.as_second(),
        _ => true,
    }
}

/// The container an event names in its `fieldPath` (`spec.containers{api}`).
fn event_container<'a>(cluster: &'a Cluster, e: &EventRecord) -> Option<&'a str> {
    let fp = util::event_field_path(cluster, e)?;
    let open = fp.find('{')?;
    let close = fp.rfind('}')?;
    fp.get(open + 1..close)
}

/// The event is about this container: by `fieldPath`, by name in the message, or because the
/// pod has one container (with a liveness probe, when `liveness`).
fn event_is_for(cluster: &Cluster, e: &EventRecord, crash: &Crash<'_>, liveness: bool) -> bool {
    if let Some(c) = event_container(cluster, e) {
        return c == crash.c.name;
    }
    let m = e.message.as_deref().unwrap_or("");
    if m.contains(&format!("Container {} ", crash.c.name))
        || m.contains(&format!("container \"{}\"", crash.c.name))
        || m.contains(&format!("container {} ", crash.c.name))
    {
        return true;
    }
    let containers = util::containers(crash.pod);
    let eligible: Vec<&ContainerView<'_>> = containers
        .iter()
        .filter(|c| !liveness || c.spec.is_some_and(|s| s.liveness_probe.is_some()))
        .collect();
    eligible.len() == 1 && eligible.first().is_some_and(|c| c.name == crash.c.name)
}

fn is_liveness_kill(e: &EventRecord) -> bool {
    util::reason_is(e, &["Killing"]) && util::message_has(e, "failed liveness probe")
}

fn is_liveness_failure(e: &EventRecord) -> bool {
    util::reason_is(e, &["Unhealthy"]) && util::message_has(e, "liveness probe")
}

/// A liveness probe that killed the last instance: a recent `Killing` event, or recent
/// `Unhealthy` liveness events with a SIGKILL/SIGTERM exit.
fn liveness_from_events<'a>(
    crash: &Crash<'a>,
    cluster: &'a Cluster,
    events: &[&'a EventRecord],
) -> Option<Found<'a>> {
    let since = started_at(crash);
    let kill = events
        .iter()
        .rev()
        .find(|e| is_liveness_kill(e) && recent(e, since) && event_is_for(cluster, e, crash, true))
        .copied();
    let unhealthy = events
        .iter()
        .rev()
        .find(|e| {
            is_liveness_failure(e) && recent(e, since) && event_is_for(cluster, e, crash, true)
        })
        .copied();
    let signalled = matches!(crash.exit_code(), Some(137 | 143));
    if kill.is_none() && !(unhealthy.is_some() && signalled) {
        return None;
    }
    let probe = crash.spec().and_then(|s| s.liveness_probe.as_ref());
    let port_problem = crash
        .spec()
        .and_then(probe_port_problem)
        .map(|(f, t)| (crash.spec_field(&f), t));
    let quote = unhealthy
        .or(kill)
        .and_then(|e| e.message.as_deref())
        .map(|m| clip(m, 200))
        .unwrap_or_default();
    let mut evidence = Vec::new();
    for e in [unhealthy, kill].into_iter().flatten() {
        evidence.push(Evidence::event(
            cluster,
            e,
            format!("{}{}", e.reason.as_deref().unwrap_or(""), util::times(e)),
        ));
    }
    Some(Found {
        cause: Cause::Liveness(Box::new(Liveness {
            kill,
            unhealthy,
            probe,
            port_problem,
        })),
        source: "events",
        quote,
        evidence,
    })
}

/// Killed by a signal with a liveness probe on a port the container does not declare.
fn liveness_from_spec<'a>(crash: &Crash<'a>) -> Option<Found<'a>> {
    if !matches!(crash.exit_code(), Some(137 | 143)) {
        return None;
    }
    let spec = crash.spec()?;
    let probe = spec.liveness_probe.as_ref()?;
    let (field, text) = probe_port_problem(spec)?;
    Some(Found {
        cause: Cause::Liveness(Box::new(Liveness {
            kill: None,
            unhealthy: None,
            probe: Some(probe),
            port_problem: Some((crash.spec_field(&field), text)),
        })),
        source: "spec",
        quote: String::new(),
        evidence: Vec::new(),
    })
}

/// The liveness probe's port field (relative to the container) and what is wrong with it,
/// when the container declares ports and the probe's port is not one of them.
pub(crate) fn probe_port_problem(c: &Container) -> Option<(String, String)> {
    let probe = c.liveness_probe.as_ref()?;
    let ports = c.ports.as_deref().filter(|p| !p.is_empty())?;
    let (port, field) = if let Some(h) = &probe.http_get {
        (h.port.clone(), "livenessProbe.httpGet.port")
    } else if let Some(t) = &probe.tcp_socket {
        (t.port.clone(), "livenessProbe.tcpSocket.port")
    } else if let Some(g) = &probe.grpc {
        (IntOrString::Int(g.port), "livenessProbe.grpc.port")
    } else {
        return None;
    };
    let declared: Vec<String> = ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{} ({n})", p.container_port),
            None => p.container_port.to_string(),
        })
        .collect();
    let declared = declared.join(", ");
    let number = match &port {
        IntOrString::Int(n) => Some(*n),
        IntOrString::String(s) => s.parse::<i32>().ok(),
    };
    match (number, &port) {
        (Some(n), _) => (!ports.iter().any(|p| p.container_port == n)).then(|| {
            (
                field.to_string(),
                format!("the probe checks port {n}, but the container declares port {declared}"),
            )
        }),
        (None, IntOrString::String(name)) => (!ports
            .iter()
            .any(|p| p.name.as_deref() == Some(name.as_str())))
        .then(|| {
            (
                field.to_string(),
                format!(
                    "the probe checks the named port {name}, which the container does not declare (it declares {declared})"
                ),
            )
        }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// What every crash finding carries.

/// A finding of `rule` about the crash: the container, `info` for history, and the status
/// fields (waiting reason, exit code, restart count) as evidence.
pub(crate) fn finding(rule: &'static Rule, crash: &Crash<'_>) -> Finding {
    let mut f = Finding::new(rule, crash.entry.object_ref()).container(crash.c.name);
    if !crash.active {
        f = f.severity(Severity::Info);
    }
    f.evidence_all(status_evidence(crash))
}

/// A finding of `rule` about a diagnosed crash: [`finding`] with the message, help and cause,
/// then the evidence of the diagnosis.
pub(crate) fn found_finding(
    rule: &'static Rule,
    crash: &Crash<'_>,
    found: &Found<'_>,
    message: String,
    help: String,
    cause: String,
) -> Finding {
    finding(rule, crash)
        .message(message)
        .help(help)
        .cause(cause)
        .evidence_all(found.evidence.iter().cloned())
}

/// `container api exits because <what> (previous log: `...`); <notes>; <state>`.
pub(crate) fn exit_message(
    crash: &Crash<'_>,
    found: &Found<'_>,
    what: &str,
    notes: &[String],
) -> String {
    let mut message = format!(
        "{} {} because {what}{}",
        crash.who(),
        crash.tense("exits", "exited"),
        quoted(found)
    );
    for n in notes {
        message.push_str(&format!("; {n}"));
    }
    message.push_str(&format!("; {}", crash.state_phrase()));
    message
}

/// `container api cannot start: <what> (previous log: `...`); <state>`.
pub(crate) fn start_message(crash: &Crash<'_>, found: &Found<'_>, what: &str) -> String {
    format!(
        "{} {} start: {what}{}; {}",
        crash.who(),
        crash.tense("cannot", "could not"),
        quoted(found),
        crash.state_phrase()
    )
}

/// The container's `image` field as evidence, when the spec sets it.
pub(crate) fn image_evidence(crash: &Crash<'_>) -> Option<Evidence> {
    crash.spec()?.image.as_ref()?;
    field_evidence(crash.entry, &crash.spec_field("image"), "the image")
}

/// The container's volume mount `i` as evidence.
pub(crate) fn mount_evidence(crash: &Crash<'_>, i: usize) -> Option<Evidence> {
    field_evidence(
        crash.entry,
        &crash.spec_field(&format!("volumeMounts[{i}].mountPath")),
        "the volume mount",
    )
}

/// A field of the pod (or another object) as evidence, when it can be pointed at: always in
/// JSON and YAML, and in describe text or tables only when that field (or one inside it) was
/// read, so that evidence never lands on an unrelated line.
pub(crate) fn field_evidence(
    entry: &Entry,
    path: &str,
    label: impl Into<String>,
) -> Option<Evidence> {
    use crate::ingest::SourceFormat;
    let exact = match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml => true,
        SourceFormat::Describe | SourceFormat::Table => entry.spans.iter().any(|s| {
            s.path == path
                || s.path
                    .strip_prefix(path)
                    .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
        }),
    };
    exact.then(|| Evidence::field(entry, path, label))
}

/// The container status fields that show the crash.
pub(crate) fn status_evidence(crash: &Crash<'_>) -> Vec<Evidence> {
    let mut out = Vec::new();
    if crash.c.status_path.is_empty() {
        return out;
    }
    let sp = &crash.c.status_path;
    if let Some(w) = crash.c.waiting_reason() {
        out.push(Evidence::field(
            crash.entry,
            &format!("{sp}.state.waiting.reason"),
            format!("waiting in {w}"),
        ));
    }
    if let Some((t, path)) = &crash.term {
        out.push(Evidence::field(
            crash.entry,
            &format!("{path}.exitCode"),
            format!(
                "exit code {} ({})",
                t.exit_code,
                t.reason.as_deref().unwrap_or("no reason")
            ),
        ));
    }
    out.push(Evidence::field(
        crash.entry,
        &format!("{sp}.restartCount"),
        plural(crash.c.restarts(), "restart"),
    ));
    out
}

/// `1 restart`, `5 restarts`.
pub(crate) fn plural(n: i32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// ` of Deployment api` when the pod belongs to a workload, else ` of pod api-1`.
pub(crate) fn owner_phrase(cluster: &Cluster, crash: &Crash<'_>) -> String {
    match util::workload_of(cluster, crash.entry) {
        Some(w) => format!(
            " of {} {}",
            w.object.kind(),
            w.object.metadata().name.as_deref().unwrap_or("")
        ),
        None => owner_ref(crash).unwrap_or_else(|| format!(" of pod {}", crash.pod_name)),
    }
}

/// ` of Deployment web` from the pod's own controller reference when the snapshot lacks the
/// owner (describe text): a ReplicaSet named `<deployment>-<pod-template-hash>`.
fn owner_ref(crash: &Crash<'_>) -> Option<String> {
    let m = &crash.pod.metadata;
    let refs = m.owner_references.as_ref()?;
    let r = refs
        .iter()
        .find(|r| r.controller == Some(true))
        .or(refs.first())?;
    let hash = m.labels.as_ref().and_then(|l| l.get("pod-template-hash"));
    if r.kind == "ReplicaSet" {
        if let Some(dep) = hash.and_then(|h| r.name.strip_suffix(&format!("-{h}"))) {
            return Some(format!(" of Deployment {dep}"));
        }
    }
    Some(format!(" of {} {}", r.kind, r.name))
}

/// The image of the container.
pub(crate) fn image<'a>(crash: &Crash<'a>) -> Option<&'a str> {
    crash
        .spec()
        .and_then(|s| s.image.as_deref())
        .or_else(|| crash.c.status.map(|s| s.image.as_str()))
        .filter(|i| !i.is_empty())
}

/// Where the cause was read, for messages: `(previous log: `...`)`.
pub(crate) fn quoted(found: &Found<'_>) -> String {
    if found.quote.is_empty() {
        String::new()
    } else {
        format!(" ({}: `{}`)", found.source, found.quote)
    }
}
