//! `--redact`: masks what should not reach a public ticket (IP addresses, host names that are
//! not the cluster's own, e-mail addresses, bearer tokens and JSON Web Tokens) in a rendered
//! report, whatever its format. Secret values never get this far: Secrets lose theirs when the
//! snapshot is read, and [`crate::secrets`] hides the others in every text a report quotes.
//!
//! The masks contain no quotes or backslashes, so a JSON or SARIF report stays valid.

use crate::model::{Cluster, Typed};
use crate::secrets::{bearer, jwt};
use k8s_openapi::api::core::v1::{Node, Pod, Service};
use std::collections::{HashMap, HashSet};

/// Masks a report's text. Host names are numbered in the order they first appear
/// (`<host-1>`), so that the same host reads the same everywhere in the report.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Dotted names of the cluster's own objects and nodes (lower case): kept.
    own: HashSet<String>,
}

impl Redactor {
    /// A redactor that keeps the names of the cluster's objects and nodes.
    pub fn new(cluster: &Cluster) -> Redactor {
        let mut own = HashSet::new();
        let mut keep = |name: &str| {
            // `acme.com/team` (a label key, an extended resource) keeps its prefix.
            let name = name.split('/').next().unwrap_or(name);
            if name.contains('.') {
                own.insert(name.to_ascii_lowercase());
            }
        };
        for e in cluster.entries() {
            let m = e.object.metadata();
            m.name.as_deref().map(&mut keep);
            // Label and annotation keys are the cluster's vocabulary, not hosts it talks to.
            m.labels.iter().flatten().for_each(|(k, _)| keep(k));
            m.annotations.iter().flatten().for_each(|(k, _)| keep(k));
            if let Some(node) = Node::from_object(&e.object) {
                let labels = m.labels.iter().flatten();
                labels
                    .filter(|(k, _)| k.as_str() == "kubernetes.io/hostname")
                    .for_each(|(_, v)| keep(v));
                let status = node.status.as_ref();
                status
                    .and_then(|s| s.capacity.as_ref())
                    .into_iter()
                    .flatten()
                    .for_each(|(k, _)| keep(k));
            }
            if let Some(svc) = Service::from_object(&e.object) {
                let selector = svc.spec.as_ref().and_then(|s| s.selector.as_ref());
                selector.into_iter().flatten().for_each(|(k, _)| keep(k));
            }
            if let Some(pod) = Pod::from_object(&e.object) {
                let spec = pod.spec.as_ref();
                spec.and_then(|s| s.node_name.as_deref()).map(&mut keep);
                for c in spec.iter().flat_map(|s| &s.containers) {
                    let r = c.resources.as_ref();
                    let limits = r.and_then(|r| r.limits.as_ref()).into_iter().flatten();
                    let requests = r.and_then(|r| r.requests.as_ref()).into_iter().flatten();
                    limits.chain(requests).for_each(|(k, _)| keep(k));
                }
            }
        }
        Redactor { own }
    }

    /// The text with IP addresses, foreign host names, e-mail addresses and tokens masked.
    pub fn redact(&self, text: &str) -> String {
        let mut hosts: HashMap<String, usize> = HashMap::new();
        let mut out = String::with_capacity(text.len());
        let b = text.as_bytes();
        let mut i = 0;
        let mut after_escape = false;
        while i < b.len() {
            // Colour codes are copied as they are; what follows one starts a word.
            if b[i] == 0x1b {
                let n = escape(&b[i..]);
                out.push_str(&text[i..i + n]);
                i += n;
                after_escape = true;
                continue;
            }
            let boundary = i == 0 || after_escape || !is_word(b[i - 1]);
            after_escape = false;
            if boundary {
                // The first matcher that matches here, in this order, masks what it matched.
                const MASKS: [(Matcher, &str); 5] = [
                    (bearer, "Bearer <token>"),
                    (jwt, "<token>"),
                    (email, "<email>"),
                    (ipv4, "<ip>"),
                    (ipv6, "<ip>"),
                ];
                if let Some((n, mask)) = MASKS
                    .iter()
                    .find_map(|(matcher, mask)| matcher(&text[i..]).map(|n| (n, *mask)))
                {
                    out.push_str(mask);
                    i += n;
                    continue;
                }
                if let Some(n) = host(&text[i..]) {
                    let name = text[i..i + n].to_ascii_lowercase();
                    if self.foreign(&name) {
                        let next = hosts.len() + 1;
                        let k = *hosts.entry(name).or_insert(next);
                        out.push_str(&format!("<host-{k}>"));
                    } else {
                        out.push_str(&text[i..i + n]);
                    }
                    i += n;
                    continue;
                }
            }
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
        out
    }

    /// A host name that is neither the cluster's own nor a well-known public one.
    fn foreign(&self, name: &str) -> bool {
        if self.own.contains(name) {
            return false;
        }
        // In-cluster DNS: `api.shop.svc`, `api.shop.svc.cluster.local`.
        let in_cluster = name.ends_with(".svc")
            || name.contains(".svc.")
            || name.ends_with(".cluster.local")
            || name.ends_with(".local");
        let public = PUBLIC
            .iter()
            .any(|d| name == *d || name.strip_suffix(d).is_some_and(|p| p.ends_with('.')));
        !(in_cluster || public)
    }
}

/// The report with IP addresses, e-mail addresses, tokens and host names masked, keeping no
/// cluster names (see [`Redactor::new`] to keep them).
pub fn redact(text: &str) -> String {
    Redactor::default().redact(text)
}

/// Finds what it masks at the start of a text: its length in bytes.
type Matcher = fn(&str) -> Option<usize>;

/// Public domains of the Kubernetes ecosystem, its registries and code hosts: naming them
/// tells nothing about the cluster.
const PUBLIC: &[&str] = &[
    "kubernetes.io",
    "k8s.io",
    "docker.io",
    "docker.com",
    "ghcr.io",
    "github.com",
    "github.io",
    "githubusercontent.com",
    "gitlab.com",
    "quay.io",
    "gcr.io",
    "pkg.dev",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "helm.sh",
    "rancher.io",
    "openshift.io",
    "redhat.io",
    "redhat.com",
    "x-k8s.io",
    "cncf.io",
    "golang.org",
    "go.dev",
    "python.org",
    "pypi.org",
    "npmjs.org",
    "example.com",
    "nvidia.com",
    "amd.com",
    "intel.com",
    "google.com",
    "googleapis.com",
    "karpenter.sh",
    "istio.io",
    "linkerd.io",
    "cert-manager.io",
    "prometheus.io",
    "argoproj.io",
    "fluxcd.io",
    "cilium.io",
    "projectcalico.org",
    "tigera.io",
    "longhorn.io",
    "cattle.io",
    "k3s.io",
    "example.org",
];

/// Last labels that make a dotted word a host name. File extensions that are also country
/// codes (`.py`, `.sh`, `.rs`, `.pl`, `.md`, `.so`) are left out on purpose.
const TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "info",
    "biz",
    "dev",
    "cloud",
    "ai",
    "co",
    "me",
    "tech",
    "xyz",
    "online",
    "site",
    "internal",
    "local",
    "lan",
    "corp",
    "home",
    "intranet",
    "localdomain",
    "gov",
    "edu",
    "mil",
    "int",
    "eu",
    "us",
    "uk",
    "de",
    "fr",
    "nl",
    "be",
    "at",
    "ch",
    "se",
    "no",
    "fi",
    "dk",
    "es",
    "it",
    "pt",
    "ie",
    "cz",
    "ru",
    "ua",
    "jp",
    "cn",
    "kr",
    "tw",
    "hk",
    "sg",
    "in",
    "au",
    "nz",
    "ca",
    "br",
    "mx",
    "ar",
    "za",
    "il",
    "tr",
    "gr",
    "ro",
    "hu",
    "aws",
];

/// First words of Kubernetes field paths.
const FIELD_ROOTS: &[&str] = &[
    "spec",
    "status",
    "metadata",
    "data",
    "stringData",
    "template",
];

/// A dotted name (`vault.acme.io`, `db-1.prod.example.net`) whose last label is a top-level
/// domain; its length in bytes.
fn host(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut labels = 0;
    let mut last = 0..0;
    loop {
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        if i == start || b[start] == b'-' || b[i - 1] == b'-' {
            return None;
        }
        labels += 1;
        last = start..i;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric()) {
            i += 1;
        } else {
            break;
        }
    }
    let tld = &s[last];
    // Field paths (`spec.selector.app`) are not host names.
    let first = &s[..s.find('.').unwrap_or(0)];
    if FIELD_ROOTS.contains(&first) {
        return None;
    }
    let ends =
        !matches!(b.get(i), Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'@');
    (labels >= 2 && ends && TLDS.iter().any(|t| tld.eq_ignore_ascii_case(t))).then_some(i)
}

/// The length of an ANSI escape sequence (`ESC [ ... m`).
fn escape(b: &[u8]) -> usize {
    if b.get(1) != Some(&b'[') {
        return 1;
    }
    b.iter()
        .skip(2)
        .position(|c| c.is_ascii_alphabetic())
        .map_or(b.len(), |p| p + 3)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-'
}

/// `a.b.c.d` with each part 0..=255, not followed by more of a word or a version.
fn ipv4(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    for part in 0..4 {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 3 {
            i += 1;
        }
        if i == start || s[start..i].parse::<u16>().ok()? > 255 {
            return None;
        }
        if part < 3 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    // `1.2.3.4.5` or `1.2.3.4a` is not an address.
    match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => None,
        Some(b'.') if b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) => None,
        _ => Some(i),
    }
}

/// An IPv6 address: two groups or more, four hex digits or more (`fe80::1`,
/// `2001:db8::8a2e:370:7334`; not `a::b`).
fn ipv6(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut colons = 0;
    let mut groups = 0;
    let mut double = false;
    let mut run = 0;
    let mut digits = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_hexdigit() {
            run += 1;
            digits += 1;
            if run > 4 {
                return None;
            }
        } else if c == b':' {
            if run > 0 {
                groups += 1;
            } else if i > 0 && b[i - 1] == b':' {
                if double {
                    break;
                }
                double = true;
            }
            run = 0;
            colons += 1;
        } else {
            break;
        }
        i += 1;
    }
    if run > 0 {
        groups += 1;
    }
    // Trailing `:` belongs to the text (`addr: fe80::1:`), not the address.
    while i > 0 && b[i - 1] == b':' && !(i >= 2 && b[i - 2] == b':') {
        i -= 1;
        colons -= 1;
    }
    let ok = colons >= 2 && digits >= 4 && groups >= 2 && (double || colons == 7);
    let ends = match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => false,
        Some(b'.') => !b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => true,
    };
    (ok && ends).then_some(i)
}

/// `local@domain.tld`.
fn email(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let local = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || b"._%+-".contains(c))
        .count();
    if local == 0 || b.get(local) != Some(&b'@') {
        return None;
    }
    let rest = &b[local + 1..];
    let domain = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'.' || **c == b'-')
        .count();
    let d = &s[local + 1..local + 1 + domain];
    let d = d.trim_end_matches('.');
    let tld = d.rsplit('.').next().unwrap_or("");
    (d.contains('.') && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()))
        .then_some(local + 1 + d.len())
}

#[cfg(test)]
mod tests {
    use super::{redact, Redactor};

    #[test]
    fn masks_foreign_host_names_and_keeps_the_clusters_own() {
        let mut r = Redactor::default();
        r.own.insert("ip-10-0-1-23.ec2.internal".into());
        assert_eq!(
            r.redact(
                "dial tcp: lookup vault.acme-corp.com: no such host; \
                 GET https://vault.acme-corp.com:8200/v1 and db.prod.acme.net failed"
            ),
            "dial tcp: lookup <host-1>: no such host; \
             GET https://<host-1>:8200/v1 and <host-2> failed"
        );
        assert_eq!(
            r.redact("registry.acme.io/team/api:1.2 on ip-10-0-1-23.ec2.internal"),
            "<host-1>/team/api:1.2 on ip-10-0-1-23.ec2.internal"
        );
        // In-cluster DNS, public registries and label keys, files and code stay.
        for kept in [
            "api.shop.svc.cluster.local:8000",
            "kubernetes.default.svc",
            "docker.io/library/nginx:1.25",
            "registry.k8s.io/pause:3.9",
            "app.kubernetes.io/name",
            "cluster-resources/pods/default.json",
            "File \"/app/main.py\", line 14",
            "os.environ[\"MAX\"] in run.sh",
            "kube-root-ca.crt",
            "v1.30.2",
            "io.netty.channel.AbstractChannel",
            "change `spec.selector.app` or spec.template.metadata.labels.io",
        ] {
            assert_eq!(r.redact(kept), kept);
        }
        // Colour codes do not hide a name.
        assert_eq!(
            r.redact("\x1b[31mvault.acme.com\x1b[0m"),
            "\x1b[31m<host-1>\x1b[0m"
        );
    }

    #[test]
    fn masks_addresses_mails_and_tokens() {
        assert_eq!(
            redact("client 10.1.0.9:8000 and 192.168.65.3, not v1.30.2 or 1.2.3.4.5"),
            "client <ip>:8000 and <ip>, not v1.30.2 or 1.2.3.4.5"
        );
        assert_eq!(redact("mail ops@example.com now"), "mail <email> now");
        assert_eq!(
            redact("Authorization: Bearer abcDEF123456789xyz"),
            "Authorization: Bearer <token>"
        );
        assert_eq!(
            redact("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end"),
            "token <token> end"
        );
        assert_eq!(
            redact("addr fe80::1 and 2001:db8::8a2e:370:7334."),
            "addr <ip> and <ip>."
        );
        assert_eq!(
            redact("\"time\": \"2026-11-20T14:03:12Z\", \"x\": \"13:05:30\""),
            "\"time\": \"2026-11-20T14:03:12Z\", \"x\": \"13:05:30\""
        );
        assert_eq!(
            redact("image sha256:abc and a::b"),
            "image sha256:abc and a::b"
        );
        assert_eq!(redact("ünïcode 10.0.0.1"), "ünïcode <ip>");
    }
}
