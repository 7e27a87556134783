//! Pods: top fields, containers (also used by pod templates), conditions, volumes.

use super::{
    annotations, is_none, is_redacted, item_values, kv_pairs, put, rfc1123_to_rfc3339, whole, Ctx,
    Item, Val,
};
use serde_json::{json, Map, Value};

/// Keys read elsewhere or deliberately not kept (they have no API field or carry nothing).
const IGNORED_POD: &[&str] = &[
    "Events",
    "Topology Spread Constraints",
    "Readiness Gates",
    "SeccompProfile",
    "Ephemeral Containers",
    "Runtime Class Name",
    "Termination Grace Period",
    "Image(s)",
    "Security Policy",
    "Replication Controllers",
];

pub(crate) fn build_pod(ctx: &mut Ctx<'_>, items: &[Item]) -> (&'static str, &'static str, Value) {
    let mut root = Map::new();
    let mut spec = Map::new();
    let mut status = Map::new();
    for it in items {
        let Some(key) = it.key.as_deref() else {
            ctx.problem_at(it, "line not understood (no `Key:` at the left margin)");
            continue;
        };
        if metadata_field(ctx, &mut root, it, key) {
            continue;
        }
        if pod_spec_field(ctx, &mut spec, Some(&mut status), it, key, "spec") {
            continue;
        }
        let v = it.val;
        match key {
            "Priority" => {
                if let Ok(n) = ctx.text(v).parse::<i64>() {
                    ctx.span("spec.priority", v);
                    spec.insert("priority".into(), json!(n));
                }
            }
            "Priority Class Name" | "PriorityClassName" => {
                ctx.put_string(&mut spec, "spec", "priorityClassName", v);
            }
            "Node" => {
                let t = ctx.text(v);
                if !is_none(t) {
                    match t.split_once('/') {
                        Some((n, ip)) => {
                            let nv = ctx.sub(v, 0, n.len());
                            let iv = ctx.sub(v, n.len() + 1, t.len());
                            ctx.put_string(&mut spec, "spec", "nodeName", nv);
                            if !ip.is_empty() {
                                ctx.put_string(&mut status, "status", "hostIP", iv);
                            }
                        }
                        None => {
                            ctx.put_string(&mut spec, "spec", "nodeName", v);
                        }
                    }
                }
            }
            "Nominated Node Name" => {
                ctx.put_string(&mut status, "status", "nominatedNodeName", v);
            }
            "Start Time" => {
                if let Some(t) = time(ctx, v, "status.startTime") {
                    status.insert("startTime".into(), t);
                }
            }
            "Status" => {
                let t = ctx.text(v);
                let (phase, terminating) = match t.split_once(" (") {
                    Some((p, _)) => (p, true),
                    None => (t, false),
                };
                let phase = phase.trim();
                let pv = ctx.sub(v, 0, phase.len());
                if phase == "Terminating" || terminating {
                    put(
                        &mut root,
                        &["metadata", "annotations", "ktriage.io/terminating"],
                        json!("true"),
                    );
                    if phase != "Terminating" {
                        ctx.span("status.phase", pv);
                        status.insert("phase".into(), json!(phase));
                    }
                } else {
                    ctx.put_string(&mut status, "status", "phase", pv);
                }
            }
            "Reason" => {
                ctx.put_string(&mut status, "status", "reason", v);
            }
            "Message" => {
                let mut msg = ctx.text(v).to_string();
                for c in &it.children {
                    msg.push(' ');
                    msg.push_str(ctx.text(whole(ctx, c)));
                }
                if !is_none(&msg) {
                    ctx.span("status.message", v);
                    status.insert("message".into(), json!(msg));
                }
            }
            "IP" => {
                ctx.put_string(&mut status, "status", "podIP", v);
            }
            "IPs" => {
                let mut ips = Vec::new();
                for (n, c) in it.children.iter().enumerate() {
                    if c.key.as_deref() == Some("IP") {
                        if let Some(s) = ctx.string(&format!("status.podIPs[{n}].ip"), c.val) {
                            ips.push(json!({ "ip": s }));
                        }
                    }
                }
                if !ips.is_empty() {
                    status.insert("podIPs".into(), Value::Array(ips));
                }
            }
            "Controlled By" | "Controllers" | "Created By" => controlled_by(ctx, &mut root, v),
            "Conditions" => {
                let conds = pod_conditions(ctx, it);
                if !conds.is_empty() {
                    status.insert("conditions".into(), Value::Array(conds));
                }
            }
            "QoS Class" | "QoS Tier" => {
                ctx.put_string(&mut status, "status", "qosClass", v);
            }
            k if IGNORED_POD.contains(&k) => {}
            _ => ctx.problem_at(it, format!("unknown Pod field `{key}`")),
        }
    }
    if !spec.contains_key("containers") {
        spec.insert("containers".into(), json!([]));
    }
    root.insert("spec".into(), Value::Object(spec));
    root.insert("status".into(), Value::Object(status));
    ("Pod", "v1", Value::Object(root))
}

/// Name, Namespace, Labels, Annotations, CreationTimestamp, Finalizers, Controlled By.
pub(crate) fn metadata_field(
    ctx: &mut Ctx<'_>,
    root: &mut Map<String, Value>,
    it: &Item,
    key: &str,
) -> bool {
    let v = it.val;
    match key {
        "Name" => {
            if let Some(s) = ctx.string("metadata.name", v) {
                put(root, &["metadata", "name"], s);
            }
        }
        "Namespace" => {
            if let Some(s) = ctx.string("metadata.namespace", v) {
                put(root, &["metadata", "namespace"], s);
            }
        }
        "Labels" => {
            let m = kv_pairs(ctx, it, "metadata.labels", '=');
            if !m.is_empty() {
                put(root, &["metadata", "labels"], Value::Object(m));
            }
        }
        "Annotations" => {
            let mut m = annotations(ctx, it);
            if let Some(Value::Object(old)) =
                root.get("metadata").and_then(|m| m.get("annotations"))
            {
                for (k, v) in old {
                    m.insert(k.clone(), v.clone());
                }
            }
            if !m.is_empty() {
                put(root, &["metadata", "annotations"], Value::Object(m));
            }
        }
        "CreationTimestamp" => {
            if let Some(t) = time(ctx, v, "metadata.creationTimestamp") {
                put(root, &["metadata", "creationTimestamp"], t);
            }
        }
        "Finalizers" => {
            let t = ctx.text(v).trim_start_matches('[').trim_end_matches(']');
            let f: Vec<Value> = t
                .split_whitespace()
                .map(|s| json!(s.trim_end_matches(',')))
                .collect();
            if !f.is_empty() {
                ctx.span("metadata.finalizers", v);
                put(root, &["metadata", "finalizers"], Value::Array(f));
            }
        }
        "Controlled By" => controlled_by(ctx, root, v),
        _ => return false,
    }
    true
}

fn controlled_by(ctx: &mut Ctx<'_>, root: &mut Map<String, Value>, v: Val) {
    let t = ctx.text(v);
    let Some((kind, name)) = t.split_once('/') else {
        if !is_none(t) {
            ctx.problem(v.line, v.a, "`Controlled By` is not Kind/name");
        }
        return;
    };
    let api = match kind {
        "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        "Node" | "ReplicationController" => "v1",
        _ => "",
    };
    let nv = ctx.sub(v, kind.len() + 1, t.len());
    ctx.span("metadata.ownerReferences[0].name", nv);
    put(
        root,
        &["metadata", "ownerReferences"],
        json!([{ "apiVersion": api, "kind": kind, "name": name, "uid": "", "controller": true }]),
    );
}

/// A time value as RFC3339, with a span; a problem when it does not parse.
pub(crate) fn time(ctx: &mut Ctx<'_>, v: Val, path: &str) -> Option<Value> {
    let t = ctx.text(v);
    if is_none(t) {
        return None;
    }
    match rfc1123_to_rfc3339(t) {
        Some(s) => {
            ctx.span(path, v);
            Some(json!(s))
        }
        None => {
            if !is_redacted(t) {
                ctx.problem(v.line, v.a, format!("`{t}` is not a time"));
            }
            None
        }
    }
}

/// Fields of a pod spec (also in a Pod Template): containers, volumes, selectors, tolerations.
/// With `status`, container states go to `status.*ContainerStatuses`.
pub(crate) fn pod_spec_field(
    ctx: &mut Ctx<'_>,
    spec: &mut Map<String, Value>,
    status: Option<&mut Map<String, Value>>,
    it: &Item,
    key: &str,
    prefix: &str,
) -> bool {
    match key {
        "Service Account" => {
            if let Some(s) = ctx.string(&format!("{prefix}.serviceAccountName"), it.val) {
                spec.insert("serviceAccountName".into(), s);
            }
        }
        "Containers" | "Init Containers" => {
            let (field, sfield) = if key == "Containers" {
                ("containers", "containerStatuses")
            } else {
                ("initContainers", "initContainerStatuses")
            };
            let mut cs = Vec::new();
            let mut ss = Vec::new();
            for c in &it.children {
                let n = cs.len();
                let (container, st) = container(
                    ctx,
                    c,
                    &format!("{prefix}.{field}[{n}]"),
                    &format!("status.{sfield}[{n}]"),
                );
                if let Some(container) = container {
                    cs.push(container);
                    if let Some(st) = st {
                        ss.push(st);
                    }
                }
            }
            spec.insert(field.into(), Value::Array(cs));
            if let Some(status) = status {
                if !ss.is_empty() {
                    status.insert(sfield.into(), Value::Array(ss));
                }
            }
        }
        "Volumes" => {
            let vols = volumes(ctx, it, prefix);
            if !vols.is_empty() {
                spec.insert("volumes".into(), Value::Array(vols));
            }
        }
        "Node-Selectors" => {
            let m = kv_pairs(ctx, it, &format!("{prefix}.nodeSelector"), '=');
            if !m.is_empty() {
                spec.insert("nodeSelector".into(), Value::Object(m));
            }
        }
        "Tolerations" => {
            let mut ts = Vec::new();
            let vals = item_values(ctx, it);
            for v in vals {
                let t = ctx.text(v);
                ts.push(toleration(t));
            }
            if !ts.is_empty() {
                spec.insert("tolerations".into(), Value::Array(ts));
            }
        }
        _ => return false,
    }
    true
}

/// `node.kubernetes.io/not-ready:NoExecute op=Exists for 300s`, `key=value:NoSchedule`.
fn toleration(t: &str) -> Value {
    let mut m = Map::new();
    let mut parts = t.split_whitespace();
    let head = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let (kv, effect) = match head.rsplit_once(':') {
        Some((a, e)) if matches!(e, "NoSchedule" | "PreferNoSchedule" | "NoExecute") => {
            (a, Some(e))
        }
        _ => (head, None),
    };
    let mut op = None;
    if kv.starts_with("op=") {
        op = kv.strip_prefix("op=");
    } else if let Some((k, val)) = kv.split_once('=') {
        m.insert("key".into(), json!(k));
        m.insert("value".into(), json!(val));
        m.insert("operator".into(), json!("Equal"));
    } else if !kv.is_empty() {
        m.insert("key".into(), json!(kv));
    }
    if let Some(e) = effect {
        m.insert("effect".into(), json!(e));
    }
    let mut i = 0;
    while let Some(p) = rest.get(i) {
        if let Some(o) = p.strip_prefix("op=") {
            op = Some(o);
        } else if *p == "for" {
            if let Some(n) = rest
                .get(i + 1)
                .and_then(|s| s.trim_end_matches('s').parse::<i64>().ok())
            {
                m.insert("tolerationSeconds".into(), json!(n));
            }
            i += 1;
        }
        i += 1;
    }
    if let Some(o) = op {
        m.insert("operator".into(), json!(o));
    }
    Value::Object(m)
}

fn pod_conditions(ctx: &mut Ctx<'_>, it: &Item) -> Vec<Value> {
    let mut out = Vec::new();
    for c in &it.children {
        let v = whole(ctx, c);
        let t = ctx.text(v);
        let mut words = t.split_whitespace();
        let (Some(ty), Some(st)) = (words.next(), words.next()) else {
            ctx.problem_at(c, "condition row without type and status");
            continue;
        };
        if ty == "Type" || ty.starts_with("--") {
            continue;
        }
        if !matches!(st, "True" | "False" | "Unknown") {
            ctx.problem_at(
                c,
                format!("condition status `{st}` is not True, False or Unknown"),
            );
            continue;
        }
        let n = out.len();
        let sa = t.find(st).unwrap_or(0);
        let sv = ctx.sub(v, sa, sa + st.len());
        ctx.span(format!("status.conditions[{n}].status"), sv);
        out.push(json!({ "type": ty, "status": st }));
    }
    out
}

/// One container block: its spec and (when it has any status field) its status.
pub(crate) fn container(
    ctx: &mut Ctx<'_>,
    it: &Item,
    path: &str,
    spath: &str,
) -> (Option<Value>, Option<Value>) {
    let Some(name) = it.key.as_deref().filter(|_| ctx.text(it.val).is_empty()) else {
        ctx.problem_at(it, "expected a container name line (`name:`)");
        return (None, None);
    };
    let mut c = Map::new();
    let mut s = Map::new();
    c.insert("name".into(), json!(name));
    let mut has_status = false;
    for f in &it.children {
        let Some(key) = f.key.as_deref() else {
            ctx.problem_at(f, "container line not understood");
            continue;
        };
        let v = f.val;
        match key {
            "Container ID" => {
                if let Some(x) = ctx.string(&format!("{spath}.containerID"), v) {
                    s.insert("containerID".into(), x);
                }
                has_status = true;
            }
            "Image" => {
                if let Some(x) = ctx.string(&format!("{path}.image"), v) {
                    c.insert("image".into(), x.clone());
                    s.insert("image".into(), x);
                }
            }
            "Image ID" => {
                if let Some(x) = ctx.string(&format!("{spath}.imageID"), v) {
                    s.insert("imageID".into(), x);
                }
                has_status = true;
            }
            "Port" | "Ports" => {
                let t = ctx.text(v);
                let mut ports = Vec::new();
                for p in t.split(',').map(str::trim).filter(|p| !is_none(p)) {
                    let (num, rest) = p.split_once('/').unwrap_or((p, "TCP"));
                    let (proto, pname) = match rest.split_once(' ') {
                        Some((pr, n)) => (
                            pr,
                            Some(n.trim().trim_start_matches('(').trim_end_matches(')')),
                        ),
                        None => (rest, None),
                    };
                    match num.trim().parse::<i64>() {
                        Ok(n) => {
                            let mut pm = json!({ "containerPort": n, "protocol": proto });
                            if let (Some(nm), Some(o)) = (pname, pm.as_object_mut()) {
                                o.insert("name".into(), json!(nm));
                            }
                            ports.push(pm);
                        }
                        Err(_) if is_redacted(num) => {}
                        Err(_) => ctx.problem(v.line, v.a, format!("port `{p}` is not a number")),
                    }
                }
                if !ports.is_empty() {
                    ctx.span(format!("{path}.ports"), v);
                    c.insert("ports".into(), Value::Array(ports));
                }
            }
            "Host Port" | "Host Ports" => {
                let t = ctx.text(v);
                let hps: Vec<i64> = t
                    .split(',')
                    .filter_map(|p| p.trim().split('/').next().and_then(|n| n.parse().ok()))
                    .collect();
                if let Some(Value::Array(ports)) = c.get_mut("ports") {
                    for (p, h) in ports.iter_mut().zip(hps) {
                        if h != 0 {
                            if let Some(o) = p.as_object_mut() {
                                o.insert("hostPort".into(), json!(h));
                            }
                        }
                    }
                }
            }
            "Command" | "Args" => {
                let mut list = Vec::new();
                if !is_none(ctx.text(v)) {
                    list.push(json!(ctx.text(v)));
                }
                collect_list(ctx, &f.children, &mut list);
                let field = if key == "Command" { "command" } else { "args" };
                c.insert(field.into(), Value::Array(list));
            }
            "State" | "Last State" | "Last Termination State" => {
                has_status = true;
                let field = if key == "State" { "state" } else { "lastState" };
                if let Some(st) = state(ctx, f, &format!("{spath}.{field}")) {
                    s.insert(field.into(), st);
                }
            }
            "Ready" => {
                has_status = true;
                match ctx.text(v) {
                    "True" | "true" => {
                        ctx.span(format!("{spath}.ready"), v);
                        s.insert("ready".into(), json!(true));
                    }
                    "False" | "false" => {
                        ctx.span(format!("{spath}.ready"), v);
                        s.insert("ready".into(), json!(false));
                    }
                    other if is_redacted(other) => {}
                    other => ctx.problem(
                        v.line,
                        v.a,
                        format!("`Ready: {other}` is not True or False"),
                    ),
                }
            }
            "Restart Count" => {
                has_status = true;
                match ctx.text(v).parse::<i64>() {
                    Ok(n) => {
                        ctx.span(format!("{spath}.restartCount"), v);
                        s.insert("restartCount".into(), json!(n));
                    }
                    Err(_) if is_redacted(ctx.text(v)) => {}
                    Err(_) => ctx.problem(v.line, v.a, "restart count is not a number"),
                }
            }
            "Limits" | "Requests" => {
                let field = if key == "Limits" {
                    "limits"
                } else {
                    "requests"
                };
                let mut m = Map::new();
                for r in &f.children {
                    match r.key.as_deref() {
                        Some(rk) => {
                            if let Some(x) =
                                ctx.string(&format!("{path}.resources.{field}.{rk}"), r.val)
                            {
                                m.insert(rk.to_string(), x);
                            }
                        }
                        None => ctx.problem_at(r, "resource line without `name: quantity`"),
                    }
                }
                if !m.is_empty() {
                    put(&mut c, &["resources", field], Value::Object(m));
                }
            }
            "Liveness" | "Readiness" | "Startup" => {
                let field = match key {
                    "Liveness" => "livenessProbe",
                    "Readiness" => "readinessProbe",
                    _ => "startupProbe",
                };
                match probe(ctx.text(v)) {
                    Some(p) => {
                        ctx.span(format!("{path}.{field}"), v);
                        c.insert(field.into(), p);
                    }
                    None => ctx.problem(
                        v.line,
                        v.a,
                        format!("probe `{}` not understood", ctx.text(v)),
                    ),
                }
            }
            "Environment" | "Environment Variables" => {
                let env = environment(ctx, f, path);
                if !env.is_empty() {
                    c.insert("env".into(), Value::Array(env));
                }
            }
            "Environment Variables from" => {
                let mut list = Vec::new();
                for e in &f.children {
                    let t = ctx.text(whole(ctx, e));
                    let words: Vec<&str> = t.split_whitespace().collect();
                    let (Some(n), Some(kind)) = (words.first(), words.get(1)) else {
                        ctx.problem_at(e, "`Environment Variables from` line not understood");
                        continue;
                    };
                    let optional = t.contains("Optional: true");
                    let r = json!({ "name": n, "optional": optional });
                    let mut entry = match *kind {
                        "ConfigMap" => json!({ "configMapRef": r }),
                        "Secret" => json!({ "secretRef": r }),
                        _ => {
                            ctx.problem_at(e, format!("`{kind}` is not ConfigMap or Secret"));
                            continue;
                        }
                    };
                    if let Some(p) = t
                        .split("with prefix '")
                        .nth(1)
                        .and_then(|r| r.split('\'').next())
                    {
                        if let Some(o) = entry.as_object_mut() {
                            o.insert("prefix".into(), json!(p));
                        }
                    }
                    list.push(entry);
                }
                if !list.is_empty() {
                    c.insert("envFrom".into(), Value::Array(list));
                }
            }
            "Mounts" => {
                let mut list = Vec::new();
                for m in &f.children {
                    let t = ctx.text(whole(ctx, m));
                    let Some((mp, rest)) = t.split_once(" from ") else {
                        ctx.problem_at(m, "mount line not `path from volume (ro|rw)`");
                        continue;
                    };
                    let (vol, flags) = match rest.split_once(" (") {
                        Some((a, b)) => (a.trim(), b.trim_end_matches(')')),
                        None => (rest.trim(), ""),
                    };
                    let mut mm = json!({ "mountPath": mp.trim(), "name": vol });
                    if let Some(o) = mm.as_object_mut() {
                        for fl in flags.split(',') {
                            if fl == "ro" {
                                o.insert("readOnly".into(), json!(true));
                            } else if let Some(sp) = fl.strip_prefix("path=") {
                                o.insert("subPath".into(), json!(sp.trim_matches('"')));
                            }
                        }
                    }
                    list.push(mm);
                }
                if !list.is_empty() {
                    c.insert("volumeMounts".into(), Value::Array(list));
                }
            }
            "Devices" | "SeccompProfile" => {}
            _ => ctx.problem_at(f, format!("unknown container field `{key}`")),
        }
    }
    let st = if has_status {
        s.insert("name".into(), json!(name));
        for (k, d) in [
            ("image", json!("")),
            ("imageID", json!("")),
            ("ready", json!(false)),
            ("restartCount", json!(0)),
        ] {
            s.entry(k).or_insert(d);
        }
        Some(Value::Object(s))
    } else {
        None
    };
    (Some(Value::Object(c)), st)
}

/// List lines of Command/Args (each line one item; deeper lines continue a script).
fn collect_list(ctx: &Ctx<'_>, items: &[Item], list: &mut Vec<Value>) {
    for i in items {
        let t = ctx.text(whole(ctx, i));
        list.push(json!(t));
        collect_list(ctx, &i.children, list);
    }
}

fn state(ctx: &mut Ctx<'_>, f: &Item, path: &str) -> Option<Value> {
    let v = f.val;
    let word = ctx.text(v);
    let key = match word {
        "Waiting" => "waiting",
        "Running" => "running",
        "Terminated" => "terminated",
        w if is_none(w) => return None,
        w => {
            ctx.problem(
                v.line,
                v.a,
                format!("state `{w}` is not Waiting, Running or Terminated"),
            );
            return None;
        }
    };
    let mut m = Map::new();
    for c in &f.children {
        let Some(k) = c.key.as_deref() else {
            // A wrapped message: continue the previous one.
            let t = ctx.text(whole(ctx, c)).to_string();
            if let Some(Value::String(s)) = m.get_mut("message") {
                s.push('\n');
                s.push_str(&t);
            } else {
                ctx.problem_at(c, "state line not understood");
            }
            continue;
        };
        let cv = c.val;
        match k {
            "Reason" | "Message" => {
                let field = if k == "Reason" { "reason" } else { "message" };
                let mut text = ctx.text(cv).to_string();
                for cc in &c.children {
                    text.push('\n');
                    text.push_str(ctx.text(whole(ctx, cc)));
                }
                if !text.is_empty() {
                    ctx.span(format!("{path}.{key}.{field}"), cv);
                    m.insert(field.into(), json!(text));
                }
            }
            "Exit Code" | "Signal" => {
                let field = if k == "Exit Code" {
                    "exitCode"
                } else {
                    "signal"
                };
                match ctx.text(cv).parse::<i64>() {
                    Ok(n) => {
                        ctx.span(format!("{path}.{key}.{field}"), cv);
                        m.insert(field.into(), json!(n));
                    }
                    Err(_) if is_redacted(ctx.text(cv)) => {}
                    Err(_) => ctx.problem(cv.line, cv.a, format!("`{k}` is not a number")),
                }
            }
            "Started" | "Finished" => {
                let field = if k == "Started" {
                    "startedAt"
                } else {
                    "finishedAt"
                };
                if let Some(t) = time(ctx, cv, &format!("{path}.{key}.{field}")) {
                    m.insert(field.into(), t);
                }
            }
            _ => ctx.problem_at(c, format!("unknown state field `{k}`")),
        }
    }
    if key == "terminated" && !m.contains_key("exitCode") {
        // The API requires it; describe always prints it for terminated states.
        m.insert("exitCode".into(), json!(0));
        ctx.problem(
            v.line,
            v.a,
            "terminated state without `Exit Code` (0 assumed by the schema)",
        );
    }
    Some(json!({ key: Value::Object(m) }))
}

/// `http-get http://:8080/health delay=60s timeout=5s period=10s #success=1 #failure=5`,
/// `exec [cat /tmp/healthy] ...`, `tcp-socket :6379 ...`, `grpc <port> ...`.
fn probe(t: &str) -> Option<Value> {
    let t = t.trim();
    let mut m = Map::new();
    let rest;
    if let Some(r) = t.strip_prefix("exec [") {
        let (cmd, after) = r.split_once(']')?;
        m.insert(
            "exec".into(),
            json!({ "command": cmd.split_whitespace().collect::<Vec<_>>() }),
        );
        rest = after;
    } else if let Some(r) = t.strip_prefix("http-get ") {
        let r = r.trim_start();
        let (url, after) = r.split_once(' ').unwrap_or((r, ""));
        if url.contains("://") {
            let (scheme, hp) = url.split_once("://")?;
            let (hostport, path) = match hp.find('/') {
                Some(i) => (hp.get(..i)?, hp.get(i..)?),
                None => (hp, "/"),
            };
            let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, ""));
            let mut g = json!({ "path": path, "scheme": scheme.to_uppercase(), "port": int_or_string(port) });
            if !host.is_empty() {
                if let Some(o) = g.as_object_mut() {
                    o.insert("host".into(), json!(host));
                }
            }
            m.insert("httpGet".into(), g);
            rest = after;
        } else {
            // Old kubectl prints nothing but the options.
            m.insert("httpGet".into(), json!({ "port": 0 }));
            rest = r;
        }
    } else if let Some(r) = t.strip_prefix("tcp-socket ") {
        let r = r.trim_start();
        let (hp, after) = r.split_once(' ').unwrap_or((r, ""));
        let (host, port) = hp.rsplit_once(':').unwrap_or(("", hp));
        let mut s = json!({ "port": int_or_string(port) });
        if !host.is_empty() {
            if let Some(o) = s.as_object_mut() {
                o.insert("host".into(), json!(host));
            }
        }
        m.insert("tcpSocket".into(), s);
        rest = after;
    } else if let Some(r) = t.strip_prefix("grpc ") {
        let r = r.trim_start();
        let (p, after) = r.split_once(' ').unwrap_or((r, ""));
        m.insert("grpc".into(), json!({ "port": p.parse::<i64>().ok()? }));
        rest = after;
    } else {
        return None;
    }
    for w in rest.split_whitespace() {
        let (k, v) = w.split_once('=')?;
        let n: i64 = v.trim_end_matches('s').parse().ok()?;
        let field = match k {
            "delay" => "initialDelaySeconds",
            "timeout" => "timeoutSeconds",
            "period" => "periodSeconds",
            "#success" => "successThreshold",
            "#failure" => "failureThreshold",
            _ => return None,
        };
        m.insert(field.into(), json!(n));
    }
    Some(Value::Object(m))
}

fn int_or_string(p: &str) -> Value {
    match p.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(p),
    }
}

fn environment(ctx: &mut Ctx<'_>, f: &Item, path: &str) -> Vec<Value> {
    let mut env: Vec<Value> = Vec::new();
    for e in &f.children {
        let Some(name) = e.key.as_deref() else {
            // A multi-line value continues the previous variable.
            let t = ctx.text(whole(ctx, e)).to_string();
            match env.last_mut().and_then(|x| x.get_mut("value")) {
                Some(Value::String(s)) => {
                    s.push('\n');
                    s.push_str(&t);
                }
                _ => ctx.problem_at(e, "environment line without `NAME: value`"),
            }
            continue;
        };
        let n = env.len();
        let v = e.val;
        let t = ctx.text(v);
        let mut var = Map::new();
        var.insert("name".into(), json!(name));
        if let Some(r) = t.strip_prefix("<set to the key '") {
            let optional = t.contains("Optional: true");
            let (k, after) = r.split_once('\'').unwrap_or((r, ""));
            let (kind, obj) = if let Some(s) = after.strip_prefix(" in secret '") {
                ("secretKeyRef", s.split('\'').next().unwrap_or(""))
            } else if let Some(s) = after.strip_prefix(" of config map '") {
                ("configMapKeyRef", s.split('\'').next().unwrap_or(""))
            } else {
                ctx.problem(v.line, v.a, "environment reference not understood");
                continue;
            };
            ctx.span(format!("{path}.env[{n}].valueFrom.{kind}"), v);
            var.insert(
                "valueFrom".into(),
                json!({ kind: { "key": k, "name": obj, "optional": optional } }),
            );
        } else if let Some(open) = t.rfind(" (").filter(|_| t.ends_with(')')) {
            let inner = t.get(open + 2..t.len() - 1).unwrap_or("");
            if let Some((ver, fp)) = inner.split_once(':').filter(|(v, _)| v.starts_with('v')) {
                ctx.span(
                    format!("{path}.env[{n}].valueFrom.fieldRef.fieldPath"),
                    ctx.sub(v, open + 2 + ver.len() + 1, t.len() - 1),
                );
                var.insert(
                    "valueFrom".into(),
                    json!({ "fieldRef": { "apiVersion": ver, "fieldPath": fp } }),
                );
            } else if inner.starts_with("limits.") || inner.starts_with("requests.") {
                var.insert(
                    "valueFrom".into(),
                    json!({ "resourceFieldRef": { "resource": inner } }),
                );
            } else {
                ctx.span(format!("{path}.env[{n}].value"), v);
                var.insert("value".into(), json!(t));
            }
        } else {
            ctx.span(format!("{path}.env[{n}].value"), v);
            var.insert("value".into(), json!(t));
            for c in &e.children {
                let ct = ctx.text(whole(ctx, c)).to_string();
                if let Some(Value::String(s)) = var.get_mut("value") {
                    s.push('\n');
                    s.push_str(&ct);
                }
            }
        }
        env.push(Value::Object(var));
    }
    env
}

fn volumes(ctx: &mut Ctx<'_>, it: &Item, prefix: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for v in &it.children {
        let Some(name) = v.key.as_deref() else {
            ctx.problem_at(v, "volume line not understood");
            continue;
        };
        if !ctx.text(v.val).is_empty() {
            // `<none>` under Volumes, or a stray field.
            if !is_none(ctx.text(v.val)) {
                ctx.problem_at(v, "expected a volume name line (`name:`)");
            }
            continue;
        }
        let n = out.len();
        let mut fields: Vec<(String, String)> = Vec::new();
        for f in &v.children {
            if let Some(k) = f.key.as_deref() {
                fields.push((k.to_string(), ctx.text(f.val).to_string()));
            }
        }
        let get = |k: &str| {
            fields
                .iter()
                .find(|(fk, _)| fk == k)
                .map(|(_, fv)| fv.as_str())
                .filter(|s| !is_none(s))
        };
        let ty = get("Type").unwrap_or("");
        let ty_word = ty.split(' ').next().unwrap_or("");
        let mut vol = json!({ "name": name });
        let src = match ty_word {
            "ConfigMap" => Some((
                "configMap",
                json!({ "name": get("Name").unwrap_or(""), "optional": get("Optional") == Some("true") }),
            )),
            "Secret" => Some((
                "secret",
                json!({ "secretName": get("SecretName").unwrap_or(""), "optional": get("Optional") == Some("true") }),
            )),
            "PersistentVolumeClaim" => Some((
                "persistentVolumeClaim",
                json!({ "claimName": get("ClaimName").unwrap_or(""), "readOnly": get("ReadOnly") == Some("true") }),
            )),
            "EmptyDir" => {
                let mut e = Map::new();
                if let Some(m) = get("Medium") {
                    e.insert("medium".into(), json!(m));
                }
                if let Some(s) = get("SizeLimit") {
                    e.insert("sizeLimit".into(), json!(s));
                }
                Some(("emptyDir", Value::Object(e)))
            }
            "Projected" => Some(("projected", json!({ "sources": [] }))),
            "HostPath" => Some((
                "hostPath",
                json!({ "path": get("Path").unwrap_or(""), "type": get("HostPathType").unwrap_or("") }),
            )),
            "DownwardAPI" => Some(("downwardAPI", json!({}))),
            _ => None,
        };
        if let (Some((k, s)), Some(o)) = (src, vol.as_object_mut()) {
            o.insert(k.into(), s);
        }
        ctx.span(
            format!("{prefix}.volumes[{n}].name"),
            super::Val {
                line: v.line,
                a: ctx.lines.get(v.line).map_or(0, |l| l.indent),
                b: ctx
                    .lines
                    .get(v.line)
                    .map_or(0, |l| l.text.len().saturating_sub(1)),
            },
        );
        out.push(vol);
    }
    out
}
