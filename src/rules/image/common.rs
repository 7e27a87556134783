//! What the image rules share: the containers whose image pull is failing now, the error text
//! that says why (from the container's waiting message or the latest pull event), and the one
//! cause each failure is given, so that exactly one image rule reports a failing container.

use crate::ingest::SourceFormat;
use crate::model::{Cluster, Entry, EventRecord, ObjectRef};
use crate::rules::util::{self, contains_ci, ContainerView};
use crate::rules::{Evidence, Finding, Rule};
use k8s_openapi::api::core::v1::{Node, Pod, ServiceAccount};

/// Waiting reasons that mean the image could not be pulled (or must not be).
pub(crate) const PULL_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "ErrImageNeverPull",
    "InvalidImageName",
];

/// An image reference split into its parts (`registry.example.com:5000/team/app:1@sha256:...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// The registry host (`registry.example.com:5000`), when the reference names one.
    pub host: Option<&'a str>,
    /// The repository path without host (`team/app`, `nginx`).
    pub repo: &'a str,
    /// The tag, when given.
    pub tag: Option<&'a str>,
    /// The digest, when given.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits a reference the way the container runtime reads it: the first path component
    /// is a registry host when it has a `.` or a `:`, or is `localhost`.
    pub fn parse(image: &'a str) -> ImageRef<'a> {
        let image = image.trim();
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (image, None),
        };
        let (host, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match path.get(last_slash..).and_then(|l| l.rfind(':')) {
            Some(i) => {
                let at = last_slash + i;
                (path.get(..at).unwrap_or(path), path.get(at + 1..))
            }
            None => (path, None),
        };
        ImageRef {
            host,
            repo,
            tag,
            digest,
        }
    }

    /// Docker Hub: no host, or one of its names.
    pub fn is_docker_hub(&self) -> bool {
        matches!(
            self.host,
            None | Some("docker.io") | Some("index.docker.io") | Some("registry-1.docker.io")
        )
    }

    /// A registry other than Docker Hub.
    pub fn private_host(&self) -> Option<&'a str> {
        self.host.filter(|_| !self.is_docker_hub())
    }

    /// The tag is `latest` or absent (and no digest pins it).
    pub fn latest(&self) -> bool {
        self.digest.is_none() && self.tag.is_none_or(|t| t == "latest")
    }

    /// The fully qualified name a runtime lists (`docker.io/library/app:latest`).
    pub fn canonical(&self) -> String {
        let host = match self.host {
            None | Some("index.docker.io") | Some("registry-1.docker.io") => "docker.io",
            Some(h) => h,
        };
        let repo = if host == "docker.io" && !self.repo.contains('/') {
            format!("library/{}", self.repo)
        } else {
            self.repo.to_string()
        };
        match (self.tag, self.digest) {
            (_, Some(d)) => format!("{host}/{repo}@{d}"),
            (Some(t), None) => format!("{host}/{repo}:{t}"),
            (None, None) => format!("{host}/{repo}:latest"),
        }
    }
}

/// Why a pull fails, as the image rules divide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PullCause {
    /// `imagePullPolicy: Never` and the image is not on the node (KT-IMAGE-002).
    NeverPull,
    /// A locally built image the kubelet tries to pull from Docker Hub (KT-IMAGE-002).
    LocalImage,
    /// The reference is malformed (KT-IMAGE-001).
    InvalidName,
    /// The registry has no such image or tag (KT-IMAGE-001).
    NotFound,
    /// The registry refuses the credentials, or there are none for a private registry
    /// (KT-IMAGE-003).
    Auth,
    /// TLS, DNS, timeout or connection errors (KT-IMAGE-004).
    Unreachable,
    /// No detail, or one the rules above do not cover (KT-IMAGE-005).
    Unknown,
}

/// A container whose image cannot be pulled now, with everything the rules cite.
pub(crate) struct PullFailure<'a> {
    /// The pod's entry.
    pub entry: &'a Entry,
    /// The container.
    pub view: ContainerView<'a>,
    /// Its waiting reason now (`ImagePullBackOff`...).
    pub reason: &'a str,
    /// The image reference (spec, else status).
    pub image: &'a str,
    /// The error text (runtime prefixes removed), when the snapshot has it.
    pub detail: Option<String>,
    /// Where the error text is.
    pub detail_evidence: Option<Evidence>,
    /// The cause the failure is given.
    pub cause: PullCause,
    /// The node's listing of the image, when it has one.
    pub node_image: Option<Evidence>,
    /// The node the pod is on, when the snapshot has it.
    pub node: Option<String>,
    /// The pod (or its service account) names image pull secrets.
    pub pull_secrets: bool,
}

impl PullFailure<'_> {
    /// The container's name as the finding should carry it: none for the placeholder names
    /// of `kubectl get` table rows.
    pub fn container(&self) -> Option<&str> {
        (self.entry.origin.format != SourceFormat::Table).then_some(self.view.name)
    }

    /// `container api`, or `a container` for the placeholder names of table rows.
    pub fn who(&self) -> String {
        match self.container() {
            Some(c) => format!("container {c}"),
            None => "a container".to_string(),
        }
    }

    /// A finding of `rule` on the pod and container, with the [`base_evidence`].
    ///
    /// [`base_evidence`]: PullFailure::base_evidence
    pub fn finding(&self, rule: &Rule, message: String, help: String, cause: &str) -> Finding {
        let mut f = Finding::new(rule, self.entry.object_ref())
            .message(message)
            .help(help)
            .cause(cause)
            .evidence_all(self.base_evidence());
        if let Some(c) = self.container() {
            f = f.container(c);
        }
        f
    }

    /// Evidence: the waiting reason, the error text and the image reference.
    pub fn base_evidence(&self) -> Vec<Evidence> {
        let mut v = vec![Evidence::field(
            self.entry,
            &format!("{}.state.waiting.reason", self.view.status_path),
            format!("waiting in {}", self.reason),
        )];
        if let Some(e) = &self.detail_evidence {
            v.push(e.clone());
        }
        if self.view.spec.is_some_and(|s| s.image.is_some()) {
            v.push(Evidence::field(
                self.entry,
                &format!("{}.image", self.view.spec_path),
                "the image reference",
            ));
        }
        v
    }

    /// The error text for a message after the reason: `: detail`, or empty.
    pub fn detail_suffix(&self) -> String {
        self.detail
            .as_deref()
            .map(|d| format!(": {}", shorten_tail(&compact_urls(d), 200)))
            .unwrap_or_default()
    }
}

/// Every container of every pod whose image pull is failing now.
pub(crate) fn pull_failures(cluster: &Cluster) -> Vec<PullFailure<'_>> {
    let mut out = Vec::new();
    // A container that waits shows on its pod.
    for (entry, pod) in cluster.pods_of_note() {
        if !util::waiting_reasons(pod).any(|r| PULL_REASONS.contains(&r)) {
            continue;
        }
        let views = util::containers(pod);
        let pod_ref = entry.object_ref();
        let events = cluster.events_for(&pod_ref);
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        let pull_secrets = has_pull_secrets(cluster, pod);
        for view in views {
            let Some(reason) = view.waiting_reason().filter(|r| PULL_REASONS.contains(r)) else {
                continue;
            };
            let image = view
                .spec
                .and_then(|s| s.image.as_deref())
                .or(view.status.map(|s| s.image.as_str()))
                .unwrap_or("")
                .trim();
            let (detail, detail_evidence) = detail_of(cluster, entry, &view, image, &events);
            let node_image = if image.is_empty() {
                None
            } else {
                node_listing(cluster, pod, image)
            };
            let policy = view.spec.and_then(|s| s.image_pull_policy.as_deref());
            let cause = classify(
                reason,
                image,
                policy,
                detail.as_deref(),
                node_image.is_some(),
                pull_secrets,
            );
            out.push(PullFailure {
                entry,
                view,
                reason,
                image,
                detail,
                detail_evidence,
                cause,
                node_image,
                node: node.clone(),
                pull_secrets,
            });
        }
    }
    out
}

/// The cause of a failing pull. The Docker Hub answer `pull access denied ..., repository
/// does not exist or may require authorization` is ambiguous: a locally built image (no
/// registry host, and the node lists it or it is `latest`/untagged pulled with `Always`/unset
/// policy) is [`PullCause::LocalImage`]; a private registry without pull secrets, or an explicit
/// `401`/`403`/`insufficient_scope`, is [`PullCause::Auth`]; otherwise [`PullCause::NotFound`].
pub(crate) fn classify(
    reason: &str,
    image: &str,
    policy: Option<&str>,
    detail: Option<&str>,
    on_node: bool,
    pull_secrets: bool,
) -> PullCause {
    let d = detail.unwrap_or("");
    if reason == "ErrImageNeverPull" || contains_ci(d, "pull policy of Never") {
        return PullCause::NeverPull;
    }
    if reason == "InvalidImageName"
        || contains_ci(d, "invalid reference format")
        || contains_ci(d, "couldn't parse image reference")
    {
        return PullCause::InvalidName;
    }
    let r = ImageRef::parse(image);
    let local = !image.is_empty()
        && r.host.is_none()
        && r.digest.is_none()
        && (on_node || (r.latest() && matches!(policy, None | Some("Always"))));
    if matches_any(d, NETWORK) && !(local && on_node) {
        return PullCause::Unreachable;
    }
    if local {
        return PullCause::LocalImage;
    }
    if matches_any(d, AMBIGUOUS) {
        if (r.private_host().is_some() && !pull_secrets) || matches_any(d, AUTH) {
            return PullCause::Auth;
        }
        return PullCause::NotFound;
    }
    if matches_any(d, AUTH) {
        return PullCause::Auth;
    }
    if matches_any(d, NOT_FOUND) {
        return PullCause::NotFound;
    }
    PullCause::Unknown
}

/// Docker Hub's answer for both missing and private repositories.
const AMBIGUOUS: &[&str] = &[
    "pull access denied",
    "repository does not exist or may require",
    "may require authorization",
    "may require 'docker login'",
];

/// Explicit refusals of the credentials (or of their absence).
pub(crate) const AUTH: &[&str] = &[
    "401 unauthorized",
    "403 forbidden",
    "status: 401",
    "status: 403",
    "status code 401",
    "status code 403",
    "unauthorized",
    "forbidden",
    "authentication required",
    "insufficient_scope",
    "no basic auth credentials",
];

/// The registry has no such repository, tag or digest.
const NOT_FOUND: &[&str] = &[
    "manifest unknown",
    "name unknown",
    "not found",
    "repository does not exist",
];

/// The registry cannot be reached or spoken to.
pub(crate) const NETWORK: &[&str] = &[
    "x509:",
    "certificate signed by unknown authority",
    "certificate has expired",
    "certificate is not valid",
    "tls handshake",
    "tls: ",
    "no such host",
    "i/o timeout",
    "connection refused",
    "connection reset by peer",
    "network is unreachable",
    "no route to host",
    "server misbehaving",
    "temporary failure in name resolution",
    "context deadline exceeded",
    "client.timeout exceeded",
    "server gave http response to https client",
    "dial tcp",
];

/// The first of `needles` that `hay` contains (ASCII case-insensitive).
pub(crate) fn first_match<'n>(hay: &str, needles: &[&'n str]) -> Option<&'n str> {
    needles.iter().copied().find(|n| contains_ci(hay, n))
}

fn matches_any(hay: &str, needles: &[&str]) -> bool {
    first_match(hay, needles).is_some()
}

/// The pod names `imagePullSecrets`, or its service account (when the snapshot has it) does.
fn has_pull_secrets(cluster: &Cluster, pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    if spec
        .image_pull_secrets
        .as_ref()
        .is_some_and(|s| !s.is_empty())
    {
        return true;
    }
    let sa = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    cluster
        .get_typed::<ServiceAccount>(pod.metadata.namespace.as_deref(), sa)
        .is_some_and(|s| s.image_pull_secrets.as_ref().is_some_and(|v| !v.is_empty()))
}

/// The error text of a failing pull and where it is: the waiting message when it says more
/// than `Back-off pulling image`, else the latest pull-failure event for this container.
fn detail_of(
    cluster: &Cluster,
    entry: &Entry,
    view: &ContainerView<'_>,
    image: &str,
    events: &[&EventRecord],
) -> (Option<String>, Option<Evidence>) {
    if let Some(m) = view
        .waiting_message()
        .map(str::trim)
        .filter(|m| !m.is_empty() && !is_back_off(m))
    {
        return (
            Some(strip_prefixes(m)),
            Some(Evidence::field(
                entry,
                &format!("{}.state.waiting.message", view.status_path),
                "the pull error",
            )),
        );
    }
    let ev = events.iter().rev().find(|e| {
        let Some(m) = e.message.as_deref() else {
            return false;
        };
        is_pull_error(m) && event_is_for(cluster, e, view, image)
    });
    match ev {
        Some(e) => (
            e.message.as_deref().map(|m| strip_prefixes(&unescape(m))),
            Some(Evidence::event(cluster, e, util::reason_times(e))),
        ),
        None => (None, None),
    }
}

/// `Back-off pulling image "x"`: says that the pull fails, not why.
fn is_back_off(m: &str) -> bool {
    let t = m.trim_start();
    t.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("back-off"))
}

/// An event message that carries the reason a pull failed.
fn is_pull_error(m: &str) -> bool {
    contains_ci(m, "Failed to pull image")
        || contains_ci(m, "pull policy of Never")
        || contains_ci(m, "Failed to apply default image tag")
        || contains_ci(m, "Failed to inspect image")
}

/// The event is about this container: its field path names it, or its message quotes the
/// image, or it names neither.
fn event_is_for(cluster: &Cluster, e: &EventRecord, view: &ContainerView<'_>, image: &str) -> bool {
    let field_path = util::event_field_path(cluster, e);
    if let Some(fp) = field_path {
        return fp.contains(&format!("{{{}}}", view.name));
    }
    let m = unescape(e.message.as_deref().unwrap_or(""));
    match quoted(&m) {
        Some(q) if !image.is_empty() => q == image,
        _ => true,
    }
}

/// A message with the `\"` that pasted tool output keeps turned back into `"`.
pub(crate) fn unescape(m: &str) -> std::borrow::Cow<'_, str> {
    if m.contains("\\\"") {
        std::borrow::Cow::Owned(m.replace("\\\"", "\""))
    } else {
        std::borrow::Cow::Borrowed(m)
    }
}

/// The first double-quoted string of a message.
fn quoted(m: &str) -> Option<&str> {
    let (_, rest) = m.split_once('"')?;
    let (q, _) = rest.split_once('"')?;
    Some(q)
}

/// The error text without the wrappers runtimes put around it.
pub(crate) fn strip_prefixes(m: &str) -> String {
    let mut t = m.trim();
    loop {
        let before = t;
        for p in [
            "Error: ",
            "rpc error: ",
            "Error response from daemon: ",
            "failed to do request: ",
        ] {
            if let Some(r) = t.strip_prefix(p) {
                t = r.trim_start();
            }
        }
        if let Some(r) = t.strip_prefix("code = ") {
            if let Some((_, after)) = r.split_once(" desc = ") {
                t = after.trim_start();
            }
        }
        for p in [
            "Failed to pull image \"",
            "failed to pull and unpack image \"",
            "failed to resolve reference \"",
            "failed to pull image \"",
            "Failed to apply default image tag \"",
            "couldn't parse image reference \"",
        ] {
            if let Some(r) = t.strip_prefix(p) {
                if let Some((_, after)) = r.split_once("\": ") {
                    t = after.trim_start();
                }
            }
        }
        if t == before {
            break;
        }
    }
    t.to_string()
}

/// Long URLs cut to their host (`https://harbor.acme.io/…`): the path and query say little.
pub(crate) fn compact_urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("https://").or_else(|| rest.find("http://")) {
        let (before, url) = rest.split_at(i);
        out.push_str(before);
        let end = url
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(url.len());
        let (u, after) = url.split_at(end);
        let u = u.trim_end_matches([':', ',', '.']);
        let tail = url.get(u.len()..end).unwrap_or("");
        let scheme_end = u.find("://").map_or(0, |p| p + 3);
        match u.get(scheme_end..).and_then(|r| r.find('/')) {
            Some(slash) if u.len() > 60 => {
                out.push_str(u.get(..scheme_end + slash).unwrap_or(u));
                out.push_str("/…");
            }
            _ => out.push_str(u),
        }
        out.push_str(tail);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// At most `n` characters of the end of `s` (where runtimes put the cause), with `…` when cut.
pub(crate) fn shorten_tail(s: &str, n: usize) -> String {
    let s = s.trim();
    let count = s.chars().count();
    if count <= n {
        return s.to_string();
    }
    let tail: String = s.chars().skip(count - n).collect();
    let tail = match tail.find(' ') {
        Some(i) if i < n / 4 => tail.get(i + 1..).unwrap_or(&tail).to_string(),
        _ => tail,
    };
    format!("…{tail}")
}

/// The clause of `detail` around the phrase that classified it (`dial tcp: lookup x: no such
/// host`, `x509: certificate signed by unknown authority`).
pub(crate) fn clause<'d>(detail: &'d str, phrase: &str) -> &'d str {
    let lower = detail.to_ascii_lowercase();
    let Some(at) = lower.find(&phrase.to_ascii_lowercase()) else {
        return detail;
    };
    let start = ["dial tcp", "lookup ", "x509:", "net/http:", "read tcp"]
        .iter()
        .filter_map(|p| lower.get(..at + phrase.len()).and_then(|h| h.find(p)))
        .min()
        .unwrap_or(at);
    detail.get(start..).unwrap_or(detail).trim()
}

/// Where the node the pod runs on lists the image, when it does.
fn node_listing(cluster: &Cluster, pod: &Pod, image: &str) -> Option<Evidence> {
    let node_name = pod.spec.as_ref()?.node_name.as_deref()?;
    let node_entry = cluster.get("Node", None, node_name)?;
    let node = util::typed::<Node>(node_entry)?;
    let want = ImageRef::parse(image).canonical();
    for (i, img) in node.status.as_ref()?.images.iter().flatten().enumerate() {
        for (j, n) in img.names.iter().flatten().enumerate() {
            if n.contains('@') {
                continue;
            }
            if n == image || ImageRef::parse(n).canonical() == want {
                return Some(Evidence::field(
                    node_entry,
                    &format!("status.images[{i}].names[{j}]"),
                    format!("node {node_name} has the image"),
                ));
            }
        }
    }
    None
}

/// A reference to the node of a failing pull, for linking.
pub(crate) fn node_ref(f: &PullFailure<'_>) -> Option<ObjectRef> {
    f.node.as_deref().map(|n| ObjectRef::new("Node", None, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs() {
        let r = ImageRef::parse("fastapi-k8s:latest");
        assert_eq!(r.host, None);
        assert_eq!(r.tag, Some("latest"));
        assert_eq!(r.canonical(), "docker.io/library/fastapi-k8s:latest");
        let r = ImageRef::parse("registry.example.com:5000/team/app:1");
        assert_eq!(r.host, Some("registry.example.com:5000"));
        assert_eq!(r.repo, "team/app");
        assert_eq!(r.tag, Some("1"));
        assert_eq!(r.private_host(), Some("registry.example.com:5000"));
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!(r.host, Some("localhost:5000"));
        assert_eq!(r.tag, None);
        let r = ImageRef::parse("yourcompany/crw");
        assert_eq!(r.canonical(), "docker.io/yourcompany/crw:latest");
        assert!(r.latest());
        let r = ImageRef::parse("nginx@sha256:abc");
        assert!(!r.latest());
    }

    #[test]
    fn docker_hub_tie_break() {
        let hub = "failed to pull and unpack image \"docker.io/library/x:latest\": failed to resolve reference \"docker.io/library/x:latest\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed";
        assert_eq!(
            classify(
                "ErrImagePull",
                "fastapi-k8s:latest",
                None,
                Some(hub),
                false,
                false
            ),
            PullCause::LocalImage
        );
        assert_eq!(
            classify(
                "ErrImagePull",
                "fastapi-k8s",
                Some("IfNotPresent"),
                Some(hub),
                true,
                false
            ),
            PullCause::LocalImage
        );
        assert_eq!(
            classify(
                "ErrImagePull",
                "registry.example.com/team/app:1",
                None,
                Some(hub),
                false,
                false
            ),
            PullCause::Auth
        );
        let docker = "Error response from daemon: pull access denied for myorg/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied";
        assert_eq!(
            classify(
                "ErrImagePull",
                "myorg/app:1.2",
                None,
                Some(docker),
                false,
                false
            ),
            PullCause::NotFound
        );
        assert_eq!(
            classify(
                "ErrImagePull",
                "registry.example.com/team/app:1",
                None,
                Some(docker),
                false,
                true
            ),
            PullCause::NotFound
        );
        assert_eq!(
            classify(
                "ErrImagePull",
                "nginx:doesnotexist",
                None,
                Some("docker.io/library/nginx:doesnotexist: not found"),
                false,
                false
            ),
            PullCause::NotFound
        );
        assert_eq!(
            classify(
                "ErrImagePull",
                "registry.internal/app:2",
                None,
                Some("dial tcp: lookup registry.internal: no such host"),
                false,
                false
            ),
            PullCause::Unreachable
        );
        assert_eq!(
            classify(
                "ErrImageNeverPull",
                "app:1",
                Some("Never"),
                None,
                false,
                false
            ),
            PullCause::NeverPull
        );
        assert_eq!(
            classify("ImagePullBackOff", "nginx:1.25", None, None, false, false),
            PullCause::Unknown
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            compact_urls("GET request to https://harbor.acme.io/service/token?scope=repository%3Apayments%2Fledger%3Apull&service=harbor-registry: 401 Unauthorized"),
            "GET request to https://harbor.acme.io/…: 401 Unauthorized"
        );
        assert_eq!(
            compact_urls("Get \"https://noimage.com/v2/\": x509"),
            "Get \"https://noimage.com/v2/\": x509"
        );
    }

    #[test]
    fn details() {
        let m = "Failed to pull image \"noimage.com/no-such-image\": rpc error: code = Unknown desc = Error response from daemon: Get \"https://noimage.com/v2/\": x509: certificate is not valid for any names, but wanted to match noimage.com";
        let d = strip_prefixes(m);
        assert_eq!(d, "Get \"https://noimage.com/v2/\": x509: certificate is not valid for any names, but wanted to match noimage.com");
        assert_eq!(
            clause(&d, "x509:"),
            "x509: certificate is not valid for any names, but wanted to match noimage.com"
        );
        assert_eq!(
            clause(
                "failed to do request: Head \"https://r/v2/\": dial tcp: lookup r: no such host",
                "no such host"
            ),
            "dial tcp: lookup r: no such host"
        );
    }
}
