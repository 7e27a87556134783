//! Typed Kubernetes objects: the core kinds as k8s-openapi types, everything else (CRDs, RBAC,
//! kinds from old API versions) as a [`DynamicObject`].
//!
//! All `from_str`/`from_value` calls for k8s-openapi types live in this one module, behind
//! non-generic functions, so that edits elsewhere do not re-monomorphize the deserializers.

use k8s_openapi::api::{
    apps, autoscaling, batch, core, discovery, events, networking, policy, storage,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Resource;
use serde_json::Value;

/// A kind ktriage does not model with a typed struct: its metadata plus the raw body.
#[derive(Debug, Clone)]
pub struct DynamicObject {
    /// `apiVersion` as written (may be empty when unknown).
    pub api_version: String,
    /// `kind` as written or inferred.
    pub kind: String,
    /// Parsed metadata (best effort).
    pub metadata: ObjectMeta,
    /// The whole object as JSON, `metadata` removed.
    pub body: Value,
}

/// Why one item could not become a typed object. Lines and columns are 1-based and relative
/// to the item's own text; the ingest layer offsets them into the file.
#[derive(Debug, Clone, Default)]
pub struct ItemError {
    /// What went wrong, in words.
    pub message: String,
    /// Field path inside the object (`spec.containers[0].resources`), when known.
    pub path: Option<String>,
    /// Line inside the item text.
    pub line: Option<usize>,
    /// Column inside the item text.
    pub column: Option<usize>,
    /// The field path as segments (keys may contain dots: `metadata.labels.kubevirt.io`).
    pub segments: Vec<PathSeg>,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(p) if !p.is_empty() && p != "." => write!(f, "{p}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// How a parse went: the object, plus repairs made on the way (redacted values dropped).
pub struct Parsed {
    /// The object.
    pub object: Object,
    /// Field paths whose redacted or `"null"` value was treated as unknown.
    pub unknown_fields: Vec<String>,
    /// Set when a typed parse failed and the object was kept untyped instead.
    pub kept_untyped: Option<ItemError>,
    /// Newest time in the dropped `managedFields` (when the object was last written).
    pub managed_time: Option<jiff::Timestamp>,
}

macro_rules! typed_kinds {
    ( $( $variant:ident : $ty:ty = $kind:literal [ $( $compat:literal ),* ] ; )* ) => {
        /// A Kubernetes object as read from the snapshot.
        #[derive(Debug, Clone)]
        #[allow(missing_docs)]
        pub enum Object {
            $( $variant(Box<$ty>), )*
            /// Any other kind, or a known kind in an API version with a different schema.
            Dynamic(Box<DynamicObject>),
        }

        /// The typed kinds: `(variant index, kind, accepted apiVersions, canonical first)`.
        const TYPED: &[(&str, &[&str])] = &[
            $( ($kind, &[<$ty as Resource>::API_VERSION $(, $compat)*]), )*
        ];

        impl Object {
            /// The object's kind (`Pod`, `Deployment`, or the dynamic kind).
            pub fn kind(&self) -> &str {
                match self {
                    $( Object::$variant(_) => $kind, )*
                    Object::Dynamic(d) => &d.kind,
                }
            }

            /// The object's API version (the canonical one for typed kinds).
            pub fn api_version(&self) -> &str {
                match self {
                    $( Object::$variant(_) => <$ty as Resource>::API_VERSION, )*
                    Object::Dynamic(d) => &d.api_version,
                }
            }

            /// The object's metadata.
            pub fn metadata(&self) -> &ObjectMeta {
                match self {
                    $( Object::$variant(o) => &o.metadata, )*
                    Object::Dynamic(d) => &d.metadata,
                }
            }

            /// The object's metadata, mutable.
            pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
                match self {
                    $( Object::$variant(o) => &mut o.metadata, )*
                    Object::Dynamic(d) => &mut d.metadata,
                }
            }
        }

        fn parse_typed_json(index: usize, text: &str) -> Result<Object, ItemError> {
            let mut i = 0usize;
            $(
                if index == i {
                    // Fast path without path tracking; the error path is worked out only on failure.
                    if let Ok(o) = serde_json::from_str::<$ty>(text) {
                        return Ok(Object::$variant(Box::new(o)));
                    }
                    let mut de = serde_json::Deserializer::from_str(text);
                    return serde_path_to_error::deserialize::<_, $ty>(&mut de)
                        .map(|o| Object::$variant(Box::new(o)))
                        .map_err(json_error);
                }
                i += 1;
            )*
            let _ = i;
            Err(ItemError { message: "unknown kind index".into(), path: None, line: None, column: None, segments: Vec::new() })
        }

        fn parse_typed_value(index: usize, value: &Value) -> Result<Object, ItemError> {
            let mut i = 0usize;
            $(
                if index == i {
                    // Read from a borrowed value (no clone); track the path only on failure.
                    if let Ok(o) = <$ty as serde::Deserialize>::deserialize(value) {
                        return Ok(Object::$variant(Box::new(o)));
                    }
                    return serde_path_to_error::deserialize::<_, $ty>(value)
                        .map(|o| Object::$variant(Box::new(o)))
                        .map_err(value_error);
                }
                i += 1;
            )*
            let _ = i;
            Err(ItemError { message: "unknown kind index".into(), path: None, line: None, column: None, segments: Vec::new() })
        }

        /// Typed accessors, one per kind: `Pod::from_object(&obj)`.
        pub trait Typed: Sized {
            /// The kind name.
            const KIND: &'static str;
            /// Borrows the typed value out of an [`Object`] of this kind.
            fn from_object(o: &Object) -> Option<&Self>;
        }

        $(
            impl Typed for $ty {
                const KIND: &'static str = $kind;
                fn from_object(o: &Object) -> Option<&Self> {
                    match o {
                        Object::$variant(x) => Some(x),
                        _ => None,
                    }
                }
            }
        )*
    };
}

typed_kinds! {
    Pod: core::v1::Pod = "Pod" [];
    Node: core::v1::Node = "Node" [];
    Service: core::v1::Service = "Service" [];
    Endpoints: core::v1::Endpoints = "Endpoints" [];
    EndpointSlice: discovery::v1::EndpointSlice = "EndpointSlice" ["discovery.k8s.io/v1beta1"];
    Event: core::v1::Event = "Event" [];
    EventsV1Event: events::v1::Event = "Event" ["events.k8s.io/v1beta1"];
    Deployment: apps::v1::Deployment = "Deployment" ["apps/v1beta2", "apps/v1beta1", "extensions/v1beta1"];
    ReplicaSet: apps::v1::ReplicaSet = "ReplicaSet" ["apps/v1beta2", "extensions/v1beta1"];
    StatefulSet: apps::v1::StatefulSet = "StatefulSet" ["apps/v1beta2", "apps/v1beta1"];
    DaemonSet: apps::v1::DaemonSet = "DaemonSet" ["apps/v1beta2", "extensions/v1beta1"];
    Job: batch::v1::Job = "Job" [];
    CronJob: batch::v1::CronJob = "CronJob" ["batch/v1beta1"];
    PersistentVolumeClaim: core::v1::PersistentVolumeClaim = "PersistentVolumeClaim" [];
    PersistentVolume: core::v1::PersistentVolume = "PersistentVolume" [];
    StorageClass: storage::v1::StorageClass = "StorageClass" ["storage.k8s.io/v1beta1"];
    ConfigMap: core::v1::ConfigMap = "ConfigMap" [];
    Secret: core::v1::Secret = "Secret" [];
    Namespace: core::v1::Namespace = "Namespace" [];
    Ingress: networking::v1::Ingress = "Ingress" [];
    HorizontalPodAutoscaler: autoscaling::v2::HorizontalPodAutoscaler = "HorizontalPodAutoscaler" ["autoscaling/v2beta2"];
    PodDisruptionBudget: policy::v1::PodDisruptionBudget = "PodDisruptionBudget" ["policy/v1beta1"];
    NetworkPolicy: networking::v1::NetworkPolicy = "NetworkPolicy" [];
    ResourceQuota: core::v1::ResourceQuota = "ResourceQuota" [];
    LimitRange: core::v1::LimitRange = "LimitRange" [];
    ServiceAccount: core::v1::ServiceAccount = "ServiceAccount" [];
    ReplicationController: core::v1::ReplicationController = "ReplicationController" [];
}

/// What a `(kind, apiVersion)` pair maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A typed kind, and whether the apiVersion must be rewritten to the canonical one first.
    Typed { index: usize, rewrite: bool },
    /// Kept as a dynamic object.
    Dynamic,
}

fn target(kind: &str, api_version: Option<&str>) -> Target {
    let mut first_for_kind = None;
    for (index, (k, versions)) in TYPED.iter().enumerate() {
        if *k != kind {
            continue;
        }
        match api_version {
            None | Some("") => {
                if first_for_kind.is_none() {
                    first_for_kind = Some(index);
                }
            }
            Some(v) => {
                if let Some(pos) = versions.iter().position(|x| *x == v) {
                    return Target::Typed {
                        index,
                        rewrite: pos != 0,
                    };
                }
            }
        }
    }
    match first_for_kind {
        Some(index) => Target::Typed {
            index,
            rewrite: false,
        },
        None => Target::Dynamic,
    }
}

/// True when `kind` (with `api_version`, when known) is one of the typed kinds.
pub fn is_typed_kind(kind: &str, api_version: Option<&str>) -> bool {
    matches!(target(kind, api_version), Target::Typed { .. })
}

/// All kinds that have a typed representation.
pub fn typed_kind_names() -> impl Iterator<Item = &'static str> {
    TYPED.iter().map(|(k, _)| *k)
}

fn segments_of(p: &serde_path_to_error::Path) -> Vec<PathSeg> {
    p.iter()
        .filter_map(|s| match s {
            serde_path_to_error::Segment::Seq { index } => Some(PathSeg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(PathSeg::Key(key.clone())),
            _ => None,
        })
        .collect()
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ItemError {
    let path = e.path().to_string();
    let segments = segments_of(e.path());
    let inner = e.into_inner();
    ItemError {
        message: strip_position(&inner.to_string()),
        path: Some(path),
        line: Some(inner.line()),
        column: Some(inner.column()),
        segments,
    }
}

fn value_error(e: serde_path_to_error::Error<serde_json::Error>) -> ItemError {
    let path = e.path().to_string();
    let segments = segments_of(e.path());
    ItemError {
        message: strip_position(&e.into_inner().to_string()),
        path: Some(path),
        line: None,
        column: None,
        segments,
    }
}

/// serde_json appends ` at line L column C`; ktriage reports positions itself.
pub(crate) fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// True for values that collectors write in place of data they removed.
pub fn is_redaction_marker(s: &str) -> bool {
    matches!(s, "***HIDDEN***" | "<redacted>" | "REDACTED" | "[REDACTED]")
}

/// Parses one JSON item whose kind is `kind` (from the item or inferred) into an object.
/// A typed parse that fails falls back to a repair pass (redacted values treated as unknown)
/// and, failing that, to a dynamic object with the error kept in [`Parsed::kept_untyped`].
pub fn parse_json_item(
    text: &str,
    kind: &str,
    api_version: Option<&str>,
) -> Result<Parsed, ItemError> {
    if let Target::Typed {
        index,
        rewrite: false,
    } = target(kind, api_version)
    {
        // `managedFields` are cut out of the text before the typed parse: nothing reads them,
        // and their `fieldsV1` trees are the costliest part of an object to build and free.
        let stripped = strip_managed_fields(text);
        let (body, managed_time) = match &stripped {
            Some((t, time)) => (t.as_str(), *time),
            None => (text, None),
        };
        if let Ok(object) = parse_typed_json(index, body) {
            let mut parsed = finish(object, Vec::new(), None);
            parsed.managed_time = parsed.managed_time.or(managed_time);
            return Ok(parsed);
        }
    }
    // Slow path: through a JSON value, which also carries the precise error for the ledger.
    let value: Value = {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(json_error)?
    };
    let first_error = match target(kind, api_version) {
        Target::Typed {
            index,
            rewrite: false,
        } => parse_typed_json(index, text).err(),
        _ => None,
    };
    parse_value_item(value, kind, api_version, false).map(|mut p| {
        if let (Some(e), Some(k)) = (first_error, p.kept_untyped.as_mut()) {
            // Keep the positioned error of the text parse: it points at the line in the file.
            if e.line.is_some() {
                *k = e;
            }
        }
        p
    })
}

/// Cuts `"managedFields": [...]` (and its comma) out of an object's JSON text, returning the
/// rest and the newest `time` found in the cut part. `None` when there is nothing to cut or
/// the text is not shaped as expected (the caller then parses the text as it is).
pub fn strip_managed_fields(text: &str) -> Option<(String, Option<jiff::Timestamp>)> {
    const KEY: &[u8] = b"\"managedFields\"";
    let b = text.as_bytes();
    let key = memchr::memmem::find(b, KEY)?;
    if key == 0 || b[key - 1] == b'\\' {
        return None;
    }
    let mut i = key + KEY.len();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let close = crate::ingest::json::matching_close(b, i)?;
    let cut = &text[key..=close];
    let mut newest: Option<jiff::Timestamp> = None;
    for at in memchr::memmem::find_iter(cut.as_bytes(), b"\"time\"") {
        let rest = cut[at + 6..]
            .trim_start()
            .strip_prefix(':')
            .map(str::trim_start);
        let Some(rest) = rest.and_then(|r| r.strip_prefix('"')) else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        if let Ok(t) = rest[..end].parse::<jiff::Timestamp>() {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
    }
    // Remove the member and one comma: the one after it, else the one before it.
    let mut end = close + 1;
    let mut j = end;
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    let mut start = key;
    if b.get(j) == Some(&b',') {
        end = j + 1;
    } else {
        let mut k = key;
        while k > 0 && b[k - 1].is_ascii_whitespace() {
            k -= 1;
        }
        if k > 0 && b[k - 1] == b',' {
            start = k - 1;
        } else {
            return None;
        }
    }
    let mut out = String::with_capacity(text.len() - (end - start));
    out.push_str(&text[..start]);
    out.push_str(&text[end..]);
    Some((out, newest))
}

/// Parses one item given as a JSON value (from YAML, or after normalisation).
///
/// `null_strings` turns every string `"null"` into a JSON null first (support-bundle-kit
/// writes them for both null and empty values).
pub fn parse_value_item(
    mut value: Value,
    kind: &str,
    api_version: Option<&str>,
    null_strings: bool,
) -> Result<Parsed, ItemError> {
    if !value.is_object() {
        return Err(ItemError {
            message: format!("expected an object, found {}", value_type(&value)),
            path: None,
            line: None,
            column: None,
            segments: Vec::new(),
        });
    }
    let mut unknown = Vec::new();
    if null_strings {
        replace_null_strings(&mut value, false);
    }
    integral_floats_to_ints(&mut value);
    let target = target(kind, api_version);
    let Target::Typed { index, rewrite } = target else {
        return Ok(finish(dynamic(value, kind, api_version), unknown, None));
    };
    if let Some(obj) = value.as_object_mut() {
        if rewrite || !obj.contains_key("kind") {
            obj.insert("kind".into(), Value::String(kind.to_string()));
        }
        if rewrite || !obj.contains_key("apiVersion") {
            obj.insert(
                "apiVersion".into(),
                Value::String(TYPED[index].1[0].to_string()),
            );
        }
    }
    // managedFields are dropped from the value before the typed parse (see
    // `strip_managed_fields` for the JSON text); their newest time is kept.
    let managed_time = take_managed_fields(&mut value);
    let with_time = |mut p: Parsed| {
        p.managed_time = p.managed_time.or(managed_time);
        p
    };
    if let Ok(object) = parse_typed_value(index, &value) {
        return Ok(with_time(finish(object, unknown, None)));
    }
    let mut attempt = value.clone();
    for _ in 0..256 {
        match parse_typed_value(index, &attempt) {
            Ok(object) => return Ok(with_time(finish(object, unknown, None))),
            Err(e) => {
                // A redacted or "null" string where a typed value belongs is unknown, not wrong.
                let Some(path) = e.path.clone() else {
                    return Ok(finish(dynamic(value, kind, api_version), unknown, Some(e)));
                };
                match repair_at(&mut attempt, &e.segments, &e.message) {
                    Repair::Unknown => unknown.push(path),
                    Repair::Coerced => {}
                    Repair::None => {
                        return Ok(finish(dynamic(value, kind, api_version), unknown, Some(e)))
                    }
                }
            }
        }
    }
    Ok(finish(
        dynamic(value, kind, api_version),
        unknown,
        Some(ItemError {
            message: "too many unreadable fields".into(),
            path: None,
            line: None,
            column: None,
            segments: Vec::new(),
        }),
    ))
}

/// Removes `metadata.managedFields` from an object value; returns their newest `time`.
fn take_managed_fields(value: &mut Value) -> Option<jiff::Timestamp> {
    let fields = value
        .get_mut("metadata")?
        .as_object_mut()?
        .remove("managedFields")?;
    fields
        .as_array()?
        .iter()
        .filter_map(|f| f.get("time")?.as_str()?.parse::<jiff::Timestamp>().ok())
        .max()
}

fn value_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// support-bundle-kit writes both `null` and `""` as the string `"null"`. In string maps
/// (labels, annotations, data...) it stood for `""`; elsewhere for a missing value.
fn replace_null_strings(v: &mut Value, in_string_map: bool) {
    match v {
        Value::String(s) if s == "null" => {
            *v = if in_string_map {
                Value::String(String::new())
            } else {
                Value::Null
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace_null_strings(x, false)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let map = matches!(
                    k.as_str(),
                    "labels"
                        | "annotations"
                        | "data"
                        | "parameters"
                        | "volumeAttributes"
                        | "nodeSelector"
                        | "matchLabels"
                ) || (k == "selector"
                    && x.get("matchLabels").is_none()
                    && x.get("matchExpressions").is_none());
                replace_null_strings(x, map);
            }
        }
        _ => {}
    }
}

/// YAML written from untyped maps carries integers as floats (`sizeBytes: 1.194914199e+09`);
/// whole floats become integers, which every numeric field accepts.
fn integral_floats_to_ints(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *v = Value::from(f as i64);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(integral_floats_to_ints),
        Value::Object(m) => m.values_mut().for_each(integral_floats_to_ints),
        _ => {}
    }
}

enum Repair {
    /// A redacted value was made unknown.
    Unknown,
    /// A value of a near type was converted (a number where a string belongs, as in
    /// hand-written manifests: `cpu: 1`, or a null where an empty string was meant).
    Coerced,
    /// Nothing to repair: the object is kept untyped.
    None,
}

fn repair_at(root: &mut Value, path: &[PathSeg], message: &str) -> Repair {
    if path.is_empty() {
        return Repair::None;
    }
    let Some(cur) = value_at(root, path) else {
        return Repair::None;
    };
    let wants_string = message.ends_with("expected a string");
    match cur {
        Value::String(s) if is_redaction_marker(s) || s == "null" || s.is_empty() => {
            *cur = Value::Null;
            Repair::Unknown
        }
        Value::Null if wants_string => {
            *cur = Value::String(String::new());
            Repair::Coerced
        }
        Value::Number(n) if wants_string => {
            *cur = Value::String(n.to_string());
            Repair::Coerced
        }
        Value::Bool(b) if wants_string => {
            *cur = Value::String(b.to_string());
            Repair::Coerced
        }
        // A string that did not parse as its type (a time): mended when it is a time with a
        // lost `T` (`2025-08-2312:02:32Z`, `2025-08-23 12:02:32Z`), else unknown.
        Value::String(s) if !message.starts_with("invalid type") => match mend_time(s) {
            Some(fixed) => {
                *cur = Value::String(fixed);
                Repair::Coerced
            }
            None => {
                *cur = Value::Null;
                Repair::Unknown
            }
        },
        _ => Repair::None,
    }
}

/// A timestamp whose `T` was lost in a paste, put back; `None` when that does not make it a time.
fn mend_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 18 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let fixed = match b[10] {
        b' ' => format!("{}T{}", &s[..10], &s[11..]),
        c if c.is_ascii_digit() => format!("{}T{}", &s[..10], &s[10..]),
        _ => return None,
    };
    fixed.parse::<jiff::Timestamp>().ok().map(|_| fixed)
}

/// Walks a field path to a value.
fn value_at<'v>(root: &'v mut Value, path: &[PathSeg]) -> Option<&'v mut Value> {
    let mut cur = root;
    for seg in path {
        cur = match seg {
            PathSeg::Key(k) => cur.get_mut(k.as_str())?,
            PathSeg::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// A map key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

fn dynamic(mut value: Value, kind: &str, api_version: Option<&str>) -> Object {
    let meta_value = value
        .as_object_mut()
        .and_then(|m| m.remove("metadata"))
        .unwrap_or(Value::Null);
    let metadata = serde_json::from_value::<ObjectMeta>(meta_value.clone()).unwrap_or_else(|_| {
        // Keep at least the identity when the metadata has odd values.
        let s = |k: &str| {
            meta_value
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        ObjectMeta {
            name: s("name"),
            namespace: s("namespace"),
            uid: s("uid"),
            ..Default::default()
        }
    });
    let api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .or(api_version)
        .unwrap_or("")
        .to_string();
    Object::Dynamic(Box::new(DynamicObject {
        api_version: api,
        kind: kind.to_string(),
        metadata,
        body: value,
    }))
}

/// Final touches on every object: Secret values and `managedFields` are dropped.
fn finish(
    mut object: Object,
    unknown_fields: Vec<String>,
    kept_untyped: Option<ItemError>,
) -> Parsed {
    let managed_time = object
        .metadata()
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.time.as_ref().map(|t| t.0))
        .max();
    scrub(&mut object);
    Parsed {
        object,
        unknown_fields,
        kept_untyped,
        managed_time,
    }
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Removes what must never reach a report or waste memory: Secret values (keys are kept, with
/// empty values), the last-applied annotation of Secrets (it holds the values too), and
/// `managedFields` (nothing reads them; their newest time is kept by the model first).
fn scrub(object: &mut Object) {
    match object {
        Object::Secret(s) => {
            if let Some(data) = s.data.as_mut() {
                for v in data.values_mut() {
                    v.0.clear();
                }
            }
            if let Some(data) = s.string_data.as_mut() {
                for v in data.values_mut() {
                    v.clear();
                }
            }
        }
        Object::Dynamic(d) if d.kind == "Secret" => {
            for field in ["data", "stringData"] {
                if let Some(Value::Object(m)) = d.body.get_mut(field) {
                    for v in m.values_mut() {
                        *v = Value::String(String::new());
                    }
                }
            }
        }
        _ => {}
    }
    let is_secret = object.kind() == "Secret";
    let meta = object.metadata_mut();
    if is_secret {
        if let Some(a) = meta.annotations.as_mut() {
            a.remove(LAST_APPLIED);
        }
    }
    meta.managed_fields = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_fields_are_cut_and_their_time_kept() {
        let t = r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","managedFields":[{"manager":"kubectl","time":"2026-01-02T03:04:05Z","fieldsV1":{"f:spec":{"f:x]":{}}}},{"time":"2026-02-02T03:04:05Z"}],"uid":"u"}}"#;
        let (cut, time) = strip_managed_fields(t).unwrap();
        assert_eq!(
            cut,
            r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","uid":"u"}}"#
        );
        assert_eq!(time.unwrap().to_string(), "2026-02-02T03:04:05Z");
        let last = r#"{"metadata":{"name":"a", "managedFields": [] }}"#;
        assert_eq!(
            strip_managed_fields(last).unwrap().0,
            r#"{"metadata":{"name":"a" }}"#
        );
        let p = parse_json_item(t, "Pod", Some("v1")).unwrap();
        assert_eq!(p.managed_time.unwrap().to_string(), "2026-02-02T03:04:05Z");
        assert_eq!(p.object.metadata().uid.as_deref(), Some("u"));
    }

    #[test]
    fn kindless_pod_is_typed() {
        let p = parse_json_item(r#"{"metadata":{"name":"a"}}"#, "Pod", None).unwrap();
        assert_eq!(p.object.kind(), "Pod");
        assert!(matches!(p.object, Object::Pod(_)));
    }

    #[test]
    fn old_api_version_is_rewritten() {
        let t = r#"{"apiVersion":"policy/v1beta1","kind":"PodDisruptionBudget","metadata":{"name":"a"}}"#;
        let p = parse_json_item(t, "PodDisruptionBudget", Some("policy/v1beta1")).unwrap();
        assert!(matches!(p.object, Object::PodDisruptionBudget(_)));
    }

    #[test]
    fn unknown_api_version_is_dynamic() {
        let t = r#"{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"a"},"spec":{"x":1}}"#;
        let p = parse_json_item(t, "HorizontalPodAutoscaler", Some("autoscaling/v1")).unwrap();
        assert!(matches!(p.object, Object::Dynamic(_)));
        assert!(p.kept_untyped.is_none());
    }

    #[test]
    fn hidden_time_is_unknown() {
        let t = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","creationTimestamp":"***HIDDEN***"}}"#;
        let p = parse_json_item(t, "Pod", Some("v1")).unwrap();
        assert!(matches!(p.object, Object::Pod(_)));
        assert_eq!(
            p.unknown_fields,
            vec!["metadata.creationTimestamp".to_string()]
        );
    }

    #[test]
    fn bad_field_keeps_object_untyped_with_position() {
        let t = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\n\"metadata\":{\"name\":\"a\"},\n\"spec\":{\"containers\":7}}";
        let p = parse_json_item(t, "Pod", Some("v1")).unwrap();
        assert!(matches!(p.object, Object::Dynamic(_)));
        let e = p.kept_untyped.unwrap();
        assert_eq!(e.path.as_deref(), Some("spec.containers"));
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn secret_values_are_dropped() {
        let t = r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"p\":\"c2VjcmV0\"}}"}},"data":{"p":"c2VjcmV0"},"stringData":{"q":"plain"}}"#;
        let p = parse_json_item(t, "Secret", Some("v1")).unwrap();
        let Object::Secret(s) = p.object else {
            panic!()
        };
        assert!(s.data.unwrap()["p"].0.is_empty());
        assert!(s.string_data.unwrap()["q"].is_empty());
        assert!(s.metadata.annotations.unwrap().is_empty());
    }

    #[test]
    fn null_strings_become_null() {
        let v: Value = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"eventTime":"null","reason":"null","involvedObject":{}}"#,
        )
        .unwrap();
        let p = parse_value_item(v, "Event", Some("v1"), true).unwrap();
        let Object::Event(e) = p.object else { panic!() };
        assert!(e.event_time.is_none());
        assert!(e.reason.is_none());
    }

    #[test]
    fn times_with_a_lost_t_are_mended_and_bad_times_are_unknown() {
        let v: Value = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":"2025-08-2312:02:32Z","deletionTimestamp":"yesterday"}}"#,
        )
        .unwrap();
        let p = parse_value_item(v, "Pod", Some("v1"), false).unwrap();
        let Object::Pod(pod) = p.object else {
            panic!("{:?}", p.kept_untyped)
        };
        assert_eq!(
            pod.metadata.creation_timestamp.unwrap().0.to_string(),
            "2025-08-23T12:02:32Z"
        );
        assert!(pod.metadata.deletion_timestamp.is_none());
        assert_eq!(
            p.unknown_fields,
            vec!["metadata.deletionTimestamp".to_string()]
        );
    }

    #[test]
    fn hand_written_numbers_are_coerced() {
        let v: Value = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"tier":1}},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":1,"memory":"128Mi"}}}]}}"#,
        )
        .unwrap();
        let p = parse_value_item(v, "Pod", Some("v1"), false).unwrap();
        let Object::Pod(pod) = p.object else {
            panic!("{:?}", p.kept_untyped)
        };
        let limits = pod.spec.unwrap().containers[0]
            .resources
            .clone()
            .unwrap()
            .limits
            .unwrap();
        assert_eq!(limits["cpu"].0, "1");
    }
}
