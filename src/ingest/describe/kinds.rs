//! Node, Service, Deployment, ReplicaSet, PersistentVolumeClaim, Endpoints.

use super::pod::{metadata_field, pod_spec_field, time};
use super::{is_none, item_values, kv_pairs, whole, Ctx, Item, Val};
use serde_json::{json, Map, Value};

fn unknown(ctx: &mut Ctx<'_>, it: &Item, kind: &str) {
    match it.key.as_deref() {
        Some(k) => ctx.problem_at(it, format!("unknown {kind} field `{k}`")),
        None => ctx.problem_at(it, "line not understood (no `Key:` at the left margin)"),
    }
}

/// Cells of a table row cut at the header's column starts; `None` when a cut falls inside a word.
fn cut(ctx: &Ctx<'_>, row: Val, starts: &[usize]) -> Option<Vec<Val>> {
    let line = ctx.lines.get(row.line)?;
    let t = &line.text;
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(t.len()).min(t.len());
        let s = s.min(t.len());
        if s > 0 && s < t.len() {
            let before = t.as_bytes().get(s - 1).copied();
            if before != Some(b' ') {
                return None;
            }
        }
        let (a, b) = super::trim_range(t, s, e.max(s));
        out.push(Val {
            line: row.line,
            a,
            b,
        });
    }
    Some(out)
}

pub(crate) fn build_node(ctx: &mut Ctx<'_>, items: &[Item]) -> (&'static str, &'static str, Value) {
    let mut root = Map::new();
    let mut spec = Map::new();
    let mut status = Map::new();
    for it in items {
        let Some(key) = it.key.as_deref() else {
            unknown(ctx, it, "Node");
            continue;
        };
        if metadata_field(ctx, &mut root, it, key) {
            continue;
        }
        let v = it.val;
        match key {
            "Taints" => {
                let mut ts = Vec::new();
                let vals = item_values(ctx, it);
                for tv in vals {
                    let t = ctx.text(tv);
                    let Some((kv, effect)) = t.rsplit_once(':') else {
                        ctx.problem(
                            tv.line,
                            tv.a,
                            format!("taint `{t}` is not key[=value]:Effect"),
                        );
                        continue;
                    };
                    let n = ts.len();
                    ctx.span(format!("spec.taints[{n}]"), tv);
                    let mut m = json!({ "effect": effect });
                    if let Some(o) = m.as_object_mut() {
                        match kv.split_once('=') {
                            Some((k, val)) => {
                                o.insert("key".into(), json!(k));
                                o.insert("value".into(), json!(val));
                            }
                            None => {
                                o.insert("key".into(), json!(kv));
                            }
                        }
                    }
                    ts.push(m);
                }
                if !ts.is_empty() {
                    spec.insert("taints".into(), Value::Array(ts));
                }
            }
            "Unschedulable" => {
                let b = ctx.text(v) == "true";
                ctx.span("spec.unschedulable", v);
                spec.insert("unschedulable".into(), json!(b));
            }
            "Conditions" => {
                let conds = node_conditions(ctx, it);
                if !conds.is_empty() {
                    status.insert("conditions".into(), Value::Array(conds));
                }
            }
            "Addresses" => {
                let mut list = Vec::new();
                for c in &it.children {
                    match c.key.as_deref() {
                        Some(k) => {
                            let n = list.len();
                            ctx.span(format!("status.addresses[{n}].address"), c.val);
                            list.push(json!({ "type": k, "address": ctx.text(c.val) }));
                        }
                        None => unknown(ctx, c, "Node address"),
                    }
                }
                status.insert("addresses".into(), Value::Array(list));
            }
            "Capacity" | "Allocatable" => {
                let field = if key == "Capacity" {
                    "capacity"
                } else {
                    "allocatable"
                };
                let mut m = Map::new();
                for c in &it.children {
                    match c.key.as_deref() {
                        Some(k) => {
                            if let Some(s) = ctx.string(&format!("status.{field}.{k}"), c.val) {
                                m.insert(k.to_string(), s);
                            }
                        }
                        None => unknown(ctx, c, "Node resource"),
                    }
                }
                status.insert(field.into(), Value::Object(m));
            }
            "System Info" => {
                let mut m = Map::new();
                for c in &it.children {
                    let Some(k) = c.key.as_deref() else {
                        unknown(ctx, c, "Node system info");
                        continue;
                    };
                    let field = match k {
                        "Machine ID" => "machineID",
                        "System UUID" => "systemUUID",
                        "Boot ID" => "bootID",
                        "Kernel Version" => "kernelVersion",
                        "OS Image" => "osImage",
                        "Operating System" => "operatingSystem",
                        "Architecture" => "architecture",
                        "Container Runtime Version" => "containerRuntimeVersion",
                        "Kubelet Version" => "kubeletVersion",
                        "Kube-Proxy Version" => "kubeProxyVersion",
                        _ => continue,
                    };
                    ctx.span(format!("status.nodeInfo.{field}"), c.val);
                    m.insert(field.into(), json!(ctx.text(c.val)));
                }
                for f in [
                    "machineID",
                    "systemUUID",
                    "bootID",
                    "kernelVersion",
                    "osImage",
                    "operatingSystem",
                    "architecture",
                    "containerRuntimeVersion",
                    "kubeletVersion",
                    "kubeProxyVersion",
                ] {
                    m.entry(f).or_insert(json!(""));
                }
                status.insert("nodeInfo".into(), Value::Object(m));
            }
            "PodCIDR" => {
                ctx.put_string(&mut spec, "spec", "podCIDR", v);
            }
            "PodCIDRs" => {
                let list: Vec<Value> = ctx.text(v).split(',').map(|s| json!(s.trim())).collect();
                if !is_none(ctx.text(v)) {
                    spec.insert("podCIDRs".into(), Value::Array(list));
                }
            }
            "ProviderID" => {
                ctx.put_string(&mut spec, "spec", "providerID", v);
            }
            "ExternalID" => {
                ctx.put_string(&mut spec, "spec", "externalID", v);
            }
            // Derived from labels, or with no API field on the Node.
            "Roles"
            | "Lease"
            | "Non-terminated Pods"
            | "Allocated resources"
            | "Events"
            | "Phase" => {}
            _ => unknown(ctx, it, "Node"),
        }
    }
    root.insert("spec".into(), Value::Object(spec));
    root.insert("status".into(), Value::Object(status));
    ("Node", "v1", Value::Object(root))
}

fn node_conditions(ctx: &mut Ctx<'_>, it: &Item) -> Vec<Value> {
    let mut out = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    for c in &it.children {
        let v = whole(ctx, c);
        let t = ctx.text(v);
        if t.starts_with("Type") {
            let line = ctx.lines.get(c.line).map_or("", |l| l.text.as_str());
            starts = super::header_starts(line);
            continue;
        }
        if t.starts_with("--") {
            continue;
        }
        let cells = if starts.len() >= 6 {
            cut(ctx, v, &starts)
        } else {
            None
        };
        let cells = match cells {
            Some(cells) if cells.len() >= 6 => cells,
            _ => match split_runs(ctx, v).filter(|c| c.len() >= 6 || c.len() == 2) {
                Some(c) => c,
                None => match collapsed_condition(ctx, v) {
                    Some(c) => c,
                    None => {
                        ctx.problem_at(c, "node condition row not understood");
                        continue;
                    }
                },
            },
        };
        let n = out.len();
        let get = |i: usize| cells.get(i).copied();
        let mut m = Map::new();
        let path = format!("status.conditions[{n}]");
        for (i, field) in ["type", "status"].iter().enumerate() {
            if let Some(cv) = get(i) {
                ctx.span(format!("{path}.{field}"), cv);
                m.insert((*field).into(), json!(ctx.text(cv)));
            }
        }
        if cells.len() >= 6 {
            for (i, field) in [(2, "lastHeartbeatTime"), (3, "lastTransitionTime")] {
                if let Some(cv) = get(i) {
                    if let Some(t) = time(ctx, cv, &format!("{path}.{field}")) {
                        m.insert(field.into(), t);
                    }
                }
            }
            for (i, field) in [(4, "reason"), (5, "message")] {
                if let Some(cv) = get(i) {
                    if let Some(s) = ctx.string(&format!("{path}.{field}"), cv) {
                        m.insert(field.into(), s);
                    }
                }
            }
        }
        out.push(Value::Object(m));
    }
    out
}

/// A node condition row whose spacing collapsed: `Ready False <time> <time> Reason message...`,
/// each time being six words (`Fri, 25 Oct 2019 17:19:21 +0700`).
fn collapsed_condition(ctx: &Ctx<'_>, v: Val) -> Option<Vec<Val>> {
    let t = ctx.text(v);
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in t.char_indices() {
        match (c == ' ', start) {
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, t.len()));
    }
    let w = |i: usize| words.get(i).copied();
    let (ty, st) = (w(0)?, w(1)?);
    let weekday = |i: usize| {
        w(i).and_then(|(a, b)| t.get(a..b))
            .is_some_and(|x| x.len() == 4 && x.ends_with(','))
    };
    if !weekday(2) || !weekday(8) {
        return None;
    }
    let hb = (w(2)?.0, w(7)?.1);
    let tr = (w(8)?.0, w(13)?.1);
    let reason = w(14)?;
    let msg = (w(15).map_or(t.len(), |x| x.0), t.len());
    Some(
        [ty, st, hb, tr, reason, msg]
            .iter()
            .map(|&(a, b)| ctx.sub(v, a, b))
            .collect(),
    )
}

/// Cells split on runs of two or more spaces.
fn split_runs(ctx: &Ctx<'_>, v: Val) -> Option<Vec<Val>> {
    let t = ctx.text(v);
    let mut out = Vec::new();
    let mut start = 0;
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b.get(i) == Some(&b' ') && b.get(i + 1) == Some(&b' ') {
            out.push(ctx.sub(v, start, i));
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            start = i;
            continue;
        }
        i += 1;
    }
    out.push(ctx.sub(v, start, t.len()));
    Some(out)
}

pub(crate) fn build_service(
    ctx: &mut Ctx<'_>,
    items: &[Item],
) -> (&'static str, &'static str, Value) {
    let mut root = Map::new();
    let mut spec = Map::new();
    let mut ports: Vec<Map<String, Value>> = Vec::new();
    let mut status = Map::new();
    // Port, TargetPort, NodePort and Endpoints repeat, once per port, in that order.
    let mut cur: Option<usize> = None;
    for it in items {
        let Some(key) = it.key.as_deref() else {
            unknown(ctx, it, "Service");
            continue;
        };
        if metadata_field(ctx, &mut root, it, key) {
            continue;
        }
        let v = it.val;
        let t = ctx.text(v);
        match key {
            "Selector" => {
                let m = kv_pairs(ctx, it, "spec.selector", '=');
                if !m.is_empty() {
                    spec.insert("selector".into(), Value::Object(m));
                }
            }
            "Type" => {
                ctx.put_string(&mut spec, "spec", "type", v);
            }
            "IP" => {
                ctx.put_string(&mut spec, "spec", "clusterIP", v);
            }
            "IPs" => {
                if !is_none(t) {
                    spec.insert(
                        "clusterIPs".into(),
                        Value::Array(t.split(',').map(|s| json!(s.trim())).collect()),
                    );
                }
            }
            "IP Family Policy" => {
                ctx.put_string(&mut spec, "spec", "ipFamilyPolicy", v);
            }
            "IP Families" => {
                if !is_none(t) {
                    spec.insert(
                        "ipFamilies".into(),
                        Value::Array(t.split(',').map(|s| json!(s.trim())).collect()),
                    );
                }
            }
            "External IPs" => {
                if !is_none(t) {
                    spec.insert(
                        "externalIPs".into(),
                        Value::Array(t.split(',').map(|s| json!(s.trim())).collect()),
                    );
                }
            }
            "LoadBalancer Ingress" => {
                if !is_none(t) {
                    let list: Vec<Value> = t
                        .split(',')
                        .map(|s| {
                            // Newer kubectl appends the IP mode: `172.18.255.200 (VIP)`.
                            let (s, mode) = match s.trim().split_once(" (") {
                                Some((a, m)) => (a.trim(), Some(m.trim_end_matches(')'))),
                                None => (s.trim(), None),
                            };
                            let mut e = if s
                                .chars()
                                .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':')
                                && s.contains(['.', ':'])
                            {
                                json!({ "ip": s })
                            } else {
                                json!({ "hostname": s })
                            };
                            if let (Some(m), Some(o)) = (mode, e.as_object_mut()) {
                                o.insert("ipMode".into(), json!(m));
                            }
                            e
                        })
                        .collect();
                    status.insert("loadBalancer".into(), json!({ "ingress": list }));
                }
            }
            "Port" => {
                // `name  80/TCP` or `<unset>  80/TCP`.
                let n = ports.len();
                let words: Vec<&str> = t.split_whitespace().collect();
                let (pname, pp) = match words.as_slice() {
                    [a, b] => (Some(*a), *b),
                    [a] => (None, *a),
                    _ => {
                        ctx.problem(v.line, v.a, format!("service port `{t}` not understood"));
                        continue;
                    }
                };
                let (num, proto) = pp.split_once('/').unwrap_or((pp, "TCP"));
                let Ok(num) = num.parse::<i64>() else {
                    ctx.problem(v.line, v.a, format!("service port `{t}` not understood"));
                    continue;
                };
                let at = t.rfind(pp).unwrap_or(0);
                ctx.span(
                    format!("spec.ports[{n}].port"),
                    ctx.sub(v, at, at + pp.find('/').unwrap_or(pp.len())),
                );
                let mut m = Map::new();
                if let Some(pn) = pname.filter(|p| !is_none(p)) {
                    m.insert("name".into(), json!(pn));
                }
                m.insert("port".into(), json!(num));
                m.insert("protocol".into(), json!(proto));
                ports.push(m);
                cur = Some(n);
            }
            "TargetPort" | "NodePort" => {
                let Some(m) = cur.and_then(|c| ports.get_mut(c)) else {
                    ctx.problem(v.line, v.a, format!("`{key}` before any `Port`"));
                    continue;
                };
                let last = t.split_whitespace().last().unwrap_or("");
                let val = last.split('/').next().unwrap_or("");
                if is_none(val) {
                    continue;
                }
                let field = if key == "TargetPort" {
                    "targetPort"
                } else {
                    "nodePort"
                };
                let value = match val.parse::<i64>() {
                    Ok(n) => json!(n),
                    Err(_) if key == "TargetPort" => json!(val),
                    Err(_) => {
                        ctx.problem(v.line, v.a, format!("node port `{t}` is not a number"));
                        continue;
                    }
                };
                m.insert(field.into(), value);
                let at = t.rfind(last).unwrap_or(0);
                let n = cur.unwrap_or(0);
                ctx.span(
                    format!("spec.ports[{n}].{field}"),
                    ctx.sub(v, at, at + val.len()),
                );
            }
            "Session Affinity" => {
                ctx.put_string(&mut spec, "spec", "sessionAffinity", v);
            }
            "External Traffic Policy" => {
                ctx.put_string(&mut spec, "spec", "externalTrafficPolicy", v);
            }
            "Internal Traffic Policy" => {
                ctx.put_string(&mut spec, "spec", "internalTrafficPolicy", v);
            }
            "External Name" => {
                ctx.put_string(&mut spec, "spec", "externalName", v);
            }
            // Endpoints are another object; the Service has no field for them.
            "Endpoints"
            | "Events"
            | "HealthCheck NodePort"
            | "Load Balancer Source Ranges"
            | "Traffic Distribution" => {}
            _ => unknown(ctx, it, "Service"),
        }
    }
    if !ports.is_empty() {
        spec.insert(
            "ports".into(),
            Value::Array(ports.into_iter().map(Value::Object).collect()),
        );
    }
    root.insert("spec".into(), Value::Object(spec));
    if !status.is_empty() {
        root.insert("status".into(), Value::Object(status));
    }
    ("Service", "v1", Value::Object(root))
}

/// `3 desired | 1 updated | 4 total | 2 available | 2 unavailable` or `3 current / 3 desired`.
fn replicas(
    ctx: &mut Ctx<'_>,
    v: Val,
    spec: &mut Map<String, Value>,
    status: &mut Map<String, Value>,
) {
    let t = ctx.text(v);
    let mut off = 0;
    for part in t.split(['|', '/']) {
        let (pa, pb) = (off, off + part.len());
        off = pb + 1;
        let mut w = part.split_whitespace();
        let (Some(n), Some(what)) = (w.next(), w.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<i64>() else {
            ctx.problem(
                v.line,
                v.a + pa,
                format!("replica count `{}` not understood", part.trim()),
            );
            continue;
        };
        let (target, field) = match what {
            "desired" => (&mut *spec, "replicas"),
            "updated" => (&mut *status, "updatedReplicas"),
            "total" | "current" => (&mut *status, "replicas"),
            "available" => (&mut *status, "availableReplicas"),
            "unavailable" => (&mut *status, "unavailableReplicas"),
            "ready" => (&mut *status, "readyReplicas"),
            _ => continue,
        };
        let which = if field == "replicas" && what == "desired" {
            "spec"
        } else {
            "status"
        };
        let nv = ctx.sub(v, pa, pb);
        let nv = Val {
            b: nv.a + part.trim().find(' ').unwrap_or(0),
            ..nv
        };
        ctx.span(format!("{which}.{field}"), nv);
        target.insert(field.into(), json!(n));
    }
}

fn workload(
    ctx: &mut Ctx<'_>,
    items: &[Item],
    kind: &'static str,
) -> (&'static str, &'static str, Value) {
    let mut root = Map::new();
    let mut spec = Map::new();
    let mut status = Map::new();
    let mut template = Map::new();
    for it in items {
        let Some(key) = it.key.as_deref() else {
            unknown(ctx, it, kind);
            continue;
        };
        if metadata_field(ctx, &mut root, it, key) {
            continue;
        }
        let v = it.val;
        match key {
            "Selector" => {
                let m = kv_pairs(ctx, it, "spec.selector.matchLabels", '=');
                spec.insert("selector".into(), json!({ "matchLabels": m }));
            }
            "Replicas" => replicas(ctx, v, &mut spec, &mut status),
            "StrategyType" => {
                if let Some(s) = ctx.string("spec.strategy.type", v) {
                    super::put(&mut spec, &["strategy", "type"], s);
                }
            }
            "MinReadySeconds" => {
                if let Ok(n) = ctx.text(v).parse::<i64>() {
                    spec.insert("minReadySeconds".into(), json!(n));
                }
            }
            "RollingUpdateStrategy" => {
                // `25% max unavailable, 25% max surge`
                for part in ctx.text(v).split(',') {
                    let part = part.trim();
                    let (val, what) = part.split_once(' ').unwrap_or((part, ""));
                    let val = match val.parse::<i64>() {
                        Ok(n) => json!(n),
                        Err(_) => json!(val),
                    };
                    match what {
                        "max unavailable" => super::put(
                            &mut spec,
                            &["strategy", "rollingUpdate", "maxUnavailable"],
                            val,
                        ),
                        "max surge" => {
                            super::put(&mut spec, &["strategy", "rollingUpdate", "maxSurge"], val)
                        }
                        _ => {}
                    }
                }
            }
            "Pod Template" => {
                let mut tmeta = Map::new();
                let mut tspec = Map::new();
                for c in &it.children {
                    let Some(k) = c.key.as_deref() else {
                        unknown(ctx, c, "Pod Template");
                        continue;
                    };
                    match k {
                        "Labels" => {
                            let m = kv_pairs(ctx, c, "spec.template.metadata.labels", '=');
                            tmeta.insert("labels".into(), Value::Object(m));
                        }
                        "Annotations" => {
                            let m = super::annotations(ctx, c);
                            tmeta.insert("annotations".into(), Value::Object(m));
                        }
                        _ => {
                            if !pod_spec_field(ctx, &mut tspec, None, c, k, "spec.template.spec")
                                && !matches!(
                                    k,
                                    "Priority Class Name" | "Topology Spread Constraints"
                                )
                            {
                                unknown(ctx, c, "Pod Template");
                            }
                        }
                    }
                }
                tspec.entry("containers").or_insert(json!([]));
                template.insert("metadata".into(), Value::Object(tmeta));
                template.insert("spec".into(), Value::Object(tspec));
            }
            "Conditions" => {
                let mut conds = Vec::new();
                for c in &it.children {
                    let cv = whole(ctx, c);
                    let t = ctx.text(cv);
                    if t.starts_with("Type") || t.starts_with("--") {
                        continue;
                    }
                    let w: Vec<&str> = t.split_whitespace().collect();
                    match w.as_slice() {
                        [ty, st, rest @ ..] => {
                            let n = conds.len();
                            let mut m = json!({ "type": ty, "status": st });
                            if let (Some(r), Some(o)) = (rest.first(), m.as_object_mut()) {
                                o.insert("reason".into(), json!(r));
                            }
                            let sa = t.find(st).unwrap_or(0);
                            ctx.span(
                                format!("status.conditions[{n}].status"),
                                ctx.sub(cv, sa, sa + st.len()),
                            );
                            conds.push(m);
                        }
                        _ => ctx.problem_at(c, "condition row not understood"),
                    }
                }
                status.insert("conditions".into(), Value::Array(conds));
            }
            "Pods Status" => {
                let t = ctx.text(v);
                let mut ann = Map::new();
                ann.insert("ktriage.io/pods-status".into(), json!(t));
                if let Some(Value::Object(m)) = root.get_mut("metadata") {
                    let a = m.entry("annotations").or_insert(json!({}));
                    if let Value::Object(a) = a {
                        a.extend(ann);
                    }
                } else {
                    super::put(&mut root, &["metadata", "annotations"], Value::Object(ann));
                }
            }
            "OldReplicaSets" | "NewReplicaSet" | "Events" | "Priority Class Name" => {}
            _ => unknown(ctx, it, kind),
        }
    }
    spec.entry("selector").or_insert(json!({}));
    if template.is_empty() {
        template.insert("spec".into(), json!({ "containers": [] }));
    }
    spec.insert("template".into(), Value::Object(template));
    if kind == "ReplicaSet" || !status.is_empty() {
        status.entry("replicas").or_insert(json!(0));
    }
    root.insert("spec".into(), Value::Object(spec));
    if !status.is_empty() {
        root.insert("status".into(), Value::Object(status));
    }
    (kind, "apps/v1", Value::Object(root))
}

pub(crate) fn build_deployment(
    ctx: &mut Ctx<'_>,
    items: &[Item],
) -> (&'static str, &'static str, Value) {
    workload(ctx, items, "Deployment")
}

pub(crate) fn build_replicaset(
    ctx: &mut Ctx<'_>,
    items: &[Item],
) -> (&'static str, &'static str, Value) {
    workload(ctx, items, "ReplicaSet")
}

pub(crate) fn build_pvc(ctx: &mut Ctx<'_>, items: &[Item]) -> (&'static str, &'static str, Value) {
    let mut root = Map::new();
    let mut spec = Map::new();
    let mut status = Map::new();
    for it in items {
        let Some(key) = it.key.as_deref() else {
            unknown(ctx, it, "PersistentVolumeClaim");
            continue;
        };
        if metadata_field(ctx, &mut root, it, key) {
            continue;
        }
        let v = it.val;
        let t = ctx.text(v);
        match key {
            "Status" => {
                ctx.put_string(&mut status, "status", "phase", v);
            }
            "Volume" => {
                ctx.put_string(&mut spec, "spec", "volumeName", v);
            }
            "StorageClass" => {
                ctx.put_string(&mut spec, "spec", "storageClassName", v);
            }
            "Capacity" => {
                if let Some(s) = ctx.string("status.capacity.storage", v) {
                    status.insert("capacity".into(), json!({ "storage": s }));
                }
            }
            "Access Modes" => {
                if !is_none(t) {
                    let modes: Vec<Value> = t
                        .split(',')
                        .map(|m| match m.trim() {
                            "RWO" => json!("ReadWriteOnce"),
                            "ROX" => json!("ReadOnlyMany"),
                            "RWX" => json!("ReadWriteMany"),
                            "RWOP" => json!("ReadWriteOncePod"),
                            o => json!(o),
                        })
                        .collect();
                    ctx.span("status.accessModes", v);
                    spec.insert("accessModes".into(), Value::Array(modes.clone()));
                    status.insert("accessModes".into(), Value::Array(modes));
                }
            }
            "VolumeMode" => {
                ctx.put_string(&mut spec, "spec", "volumeMode", v);
            }
            // Conditions of a resize, the data source and users have no field kept here.
            "Used By" | "DataSource" | "Events" | "Conditions" => {}
            _ => unknown(ctx, it, "PersistentVolumeClaim"),
        }
    }
    root.insert("spec".into(), Value::Object(spec));
    root.insert("status".into(), Value::Object(status));
    ("PersistentVolumeClaim", "v1", Value::Object(root))
}

pub(crate) fn build_endpoints(
    ctx: &mut Ctx<'_>,
    items: &[Item],
) -> (&'static str, &'static str, Value) {
    let mut root = Map::new();
    let mut subsets = Vec::new();
    for it in items {
        let Some(key) = it.key.as_deref() else {
            unknown(ctx, it, "Endpoints");
            continue;
        };
        if metadata_field(ctx, &mut root, it, key) {
            continue;
        }
        match key {
            "Subsets" => {
                let mut cur: Option<Map<String, Value>> = None;
                for c in &it.children {
                    let Some(k) = c.key.as_deref() else {
                        unknown(ctx, c, "Endpoints subset");
                        continue;
                    };
                    let n = subsets.len();
                    let t = ctx.text(c.val);
                    match k {
                        "Addresses" | "NotReadyAddresses" => {
                            if k == "Addresses" {
                                if let Some(s) = cur.take() {
                                    subsets.push(Value::Object(s));
                                }
                            }
                            let s = cur.get_or_insert_with(Map::new);
                            let field = if k == "Addresses" {
                                "addresses"
                            } else {
                                "notReadyAddresses"
                            };
                            if !is_none(t) {
                                ctx.span(format!("subsets[{n}].{field}"), c.val);
                                let list: Vec<Value> =
                                    t.split(',').map(|ip| json!({ "ip": ip.trim() })).collect();
                                s.insert(field.into(), Value::Array(list));
                            }
                        }
                        "Ports" => {
                            let s = cur.get_or_insert_with(Map::new);
                            let mut ports = Vec::new();
                            for r in &c.children {
                                let rt = ctx.text(whole(ctx, r));
                                let w: Vec<&str> = rt.split_whitespace().collect();
                                if w.first() == Some(&"Name") || rt.starts_with("--") {
                                    continue;
                                }
                                match w.as_slice() {
                                    [name, port, proto] => match port.parse::<i64>() {
                                        Ok(p) => {
                                            let mut m = json!({ "port": p, "protocol": proto });
                                            if let Some(o) =
                                                m.as_object_mut().filter(|_| !is_none(name))
                                            {
                                                o.insert("name".into(), json!(name));
                                            }
                                            ports.push(m);
                                        }
                                        Err(_) => ctx.problem_at(r, "endpoint port not understood"),
                                    },
                                    [port, proto] if port.parse::<i64>().is_ok() => {
                                        ports.push(json!({ "port": port.parse::<i64>().unwrap_or(0), "protocol": proto }));
                                    }
                                    _ => ctx.problem_at(r, "endpoint port row not understood"),
                                }
                            }
                            s.insert("ports".into(), Value::Array(ports));
                        }
                        _ => unknown(ctx, c, "Endpoints subset"),
                    }
                }
                if let Some(s) = cur.take() {
                    subsets.push(Value::Object(s));
                }
            }
            "Events" => {}
            _ => unknown(ctx, it, "Endpoints"),
        }
    }
    root.insert("subsets".into(), Value::Array(subsets));
    ("Endpoints", "v1", Value::Object(root))
}
