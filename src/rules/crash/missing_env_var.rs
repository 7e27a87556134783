//! KT-CRASH-002 missing-env-var

use super::{Cause, Holder};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Findings};

declare_rule! {
    /// ## What it does
    /// Finds crashing containers whose log says an environment variable is missing
    /// (`KeyError: 'X'` raised reading `os.environ`, `environment variable X not set`,
    /// `X must be set`, `Missing required environment variable X`), and checks the spec:
    /// whether `env` or an `envFrom` source sets it, which ConfigMap of the namespace holds
    /// it, and whether an older revision of the Deployment had the source the current one
    /// lacks.
    ///
    /// ## Why is this bad?
    /// The program stops at start-up, every time: the pod never becomes ready, and a
    /// rollout that dropped the variable stays stuck while the old pods carry the load.
    /// The usual cause is an `envFrom` lost while editing the manifest, a ConfigMap without
    /// the key, or a variable added to the code but not to the Deployment.
    ///
    /// ## Example
    /// ```text
    /// File "/app/main.py", line 14, in <module>
    ///   MAX_STRESS_SECONDS = int(os.environ["MAX_STRESS_SECONDS"])
    /// KeyError: 'MAX_STRESS_SECONDS'
    /// ```
    /// with no `envFrom` in the container, while revision 1 had
    /// `envFrom: [{configMapRef: {name: app-config}}]` and ConfigMap `app-config` holds
    /// `MAX_STRESS_SECONDS`.
    ///
    /// ## How to fix
    /// Set the variable in the container: restore the `envFrom` source an older revision
    /// had, add the key to the ConfigMap the container already references, reference the
    /// ConfigMap that holds it, or add an `env` entry (a `value`, or `valueFrom` a ConfigMap
    /// or Secret key).
    pub(crate) static RULE = {
        code: "KT-CRASH-002",
        name: "missing-env-var",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::MissingEnv(m) = &found.cause else {
            continue;
        };
        let var = &m.var;
        let who = crash.who();
        let owner = super::owner_phrase(cluster, &crash);
        let at = match &m.frame {
            Some(f) => {
                let exc = found.quote.split(':').next().unwrap_or("raised");
                format!(" ({exc} at {} line {})", f.file, f.file_line)
            }
            None => super::quoted(&found),
        };
        let state = if m.empty.is_some() {
            "is set to an empty string"
        } else {
            "is not set"
        };
        let verb = crash.tense("exits", "exited");
        let mut message = format!("{who} {verb} because environment variable {var} {state}{at}");
        let lacking: Vec<&super::EnvRef<'_>> =
            m.refs.iter().filter(|r| r.object.is_some()).collect();
        for r in &lacking {
            message.push_str(&format!(
                "; {} {} (its envFrom) has no key {var}",
                r.kind, r.name
            ));
        }
        let absent: Vec<&super::EnvRef<'_>> = m.refs.iter().filter(|r| r.optional_absent).collect();
        for r in &absent {
            message.push_str(&format!(
                "; {} {} of its envFrom is optional and does not exist",
                r.kind, r.name
            ));
        }
        message.push_str(&format!("; {}", crash.state_phrase()));
        let other_holder = m
            .holders
            .iter()
            .find(|h| !m.refs.iter().any(|r| r.kind == h.kind && r.name == h.name));
        let help = if let Some(o) = &m.older {
            let rev = o
                .revision
                .as_deref()
                .map_or("an older revision".to_string(), |r| format!("revision {r}"));
            let mut h = format!("restore `{}` in {who}{owner}: {rev} had it", o.snippet);
            if let Some(holder) = &o.holder {
                h.push_str(&format!(" and {} {} holds {var}", holder.kind, holder.name));
            }
            h
        } else if let Some(r) = lacking.first() {
            let mut h = format!(
                "add key {var} to {} {} (the `envFrom` of {who}{owner})",
                r.kind, r.name
            );
            if let Some(o) = other_holder {
                h.push_str(&format!(
                    ", or reference {} {}, which holds {var}",
                    o.kind, o.name
                ));
            }
            h
        } else if let Some(r) = absent.first() {
            format!(
                "create {} {} with key {var}: the `envFrom` of {who}{owner} refers to it as \
                 optional, so the container starts without the variable",
                r.kind, r.name
            )
        } else if let Some(o) = other_holder {
            reference_help(o, &who, &owner)
        } else if let Some(r) = m.refs.first() {
            format!(
                "make sure {} {} (the `envFrom` of {who}{owner}) holds key {var}, or set {var} in `env`",
                r.kind, r.name
            )
        } else if m.empty.is_some() {
            format!("give {var} a value in `env` of {who}{owner}")
        } else {
            format!(
                "set {var} in `env` of {who}{owner} (a `value`, or `valueFrom` a ConfigMap or Secret key)"
            )
        };
        let mut f = super::found_finding(&RULE, &crash, &found, message, help, var.clone());
        if let Some(p) = &m.empty {
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                p,
                "set to an empty string",
            ));
        }
        for r in &m.refs {
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                &r.field,
                format!("envFrom {} {}", r.kind, r.name),
            ));
        }
        if let Some(o) = &m.older {
            let rev = o.revision.as_deref().unwrap_or("?");
            f = f.evidence_opt(super::field_evidence(
                o.rs,
                &o.field,
                format!("revision {rev} had `{}`", o.snippet),
            ));
            if let Some(h) = &o.holder {
                f = f.evidence(holder_evidence(h));
            }
        }
        for h in m.holders.iter().take(3) {
            f = f.evidence(holder_evidence(h));
        }
        out.push(f);
    }
}

/// Where a ConfigMap holds the key; for a Secret only its name (its data is never cited).
fn holder_evidence(h: &Holder<'_>) -> Evidence {
    if h.kind == "ConfigMap" {
        Evidence::field(
            h.entry,
            &format!("data.{}", h.key),
            format!("ConfigMap {} holds {}", h.name, h.key),
        )
    } else {
        Evidence::object(h.entry, format!("Secret {} holds {}", h.name, h.key))
    }
}

fn reference_help(h: &Holder<'_>, who: &str, owner: &str) -> String {
    let (from, key_ref) = if h.kind == "ConfigMap" {
        ("configMapRef", "configMapKeyRef")
    } else {
        ("secretRef", "secretKeyRef")
    };
    format!(
        "add `envFrom: [{{{from}: {{name: {}}}}}]` to {who}{owner}, or an `env` entry for {} with \
         `valueFrom.{key_ref}` (name {}, key {}): {} {} holds it",
        h.name, h.key, h.name, h.key, h.kind, h.name
    )
}
