use super::*;
use crate::model::{Object, Typed};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{
    ContainerStatus, Endpoints, Event, Node, PersistentVolumeClaim, Pod, Service,
};

fn get<'a, T: Typed>(out: &'a TableOutput, name: &str) -> &'a T {
    out.objects
        .iter()
        .filter(|o| o.object.metadata().name.as_deref() == Some(name))
        .find_map(|o| T::from_object(&o.object))
        .unwrap_or_else(|| panic!("no {} {name}", T::KIND))
}

fn ann<'a>(o: &'a Object, key: &str) -> Option<&'a str> {
    o.metadata()
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// The row of the object named `name`, as cut from the text.
fn row<'a>(text: &'a str, out: &TableOutput, name: &str) -> &'a str {
    let o = out
        .objects
        .iter()
        .find(|o| o.object.metadata().name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no object {name}"));
    &text[o.start..o.end]
}

/// Every range is whole lines of the text; a single line naming the object, except for
/// events (whose messages may continue on further lines).
fn check_ranges(text: &str, out: &TableOutput) {
    for o in &out.objects {
        assert!(o.start == 0 || text.as_bytes()[o.start - 1] == b'\n');
        assert!(o.end == text.len() || matches!(text.as_bytes()[o.end], b'\n' | b'\r'));
        assert!(o.end > o.start);
        let r = &text[o.start..o.end];
        if o.object.kind() != "Event" {
            assert!(!r.contains('\n'), "{r:?}");
            let name = o.object.metadata().name.as_deref().unwrap_or("?");
            assert!(r.contains(name), "{r:?} does not name {name}");
        }
    }
}

fn state(c: &ContainerStatus) -> String {
    let Some(s) = &c.state else {
        return "none".into();
    };
    if s.running.is_some() {
        return "running".into();
    }
    if let Some(w) = &s.waiting {
        return format!("waiting:{}", w.reason.as_deref().unwrap_or(""));
    }
    if let Some(t) = &s.terminated {
        return format!(
            "terminated:{}:{}",
            t.reason.as_deref().unwrap_or(""),
            t.exit_code
        );
    }
    "none".into()
}

/// `(phase, [(state, ready, restarts)], [init (state, restarts)])`.
#[allow(clippy::type_complexity)]
fn shape(p: &Pod) -> (String, Vec<(String, bool, i32)>, Vec<(String, i32)>) {
    let st = p.status.as_ref().expect("status");
    let cs = st
        .container_statuses
        .iter()
        .flatten()
        .map(|c| (state(c), c.ready, c.restart_count))
        .collect();
    let init = st
        .init_container_statuses
        .iter()
        .flatten()
        .map(|c| (state(c), c.restart_count))
        .collect();
    (st.phase.clone().unwrap_or_default(), cs, init)
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn s(x: &str) -> String {
    x.to_string()
}

const PODS_OLD: &str = include_str!("../../../testdata/tables/pods_old.txt");
const PODS_WIDE_ALL: &str = include_str!("../../../testdata/tables/pods_wide_all.txt");

#[test]
fn pods_old_every_status() {
    let out = parse(PODS_OLD);
    check_ranges(PODS_OLD, &out);
    assert!(looks_like_table(PODS_OLD));
    assert_eq!(out.kind, Some("Pod"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 29);
    check_ranges(PODS_OLD, &out);
    assert!(row(PODS_OLD, &out, "crash").starts_with("crash        0/1       CrashLoopBackOff"));
    let run = |name: &str| shape(get::<Pod>(&out, name));
    assert_eq!(
        run("web-1"),
        (s("Running"), vec![(s("running"), true, 0)], vec![])
    );
    assert_eq!(
        run("web-2"),
        (
            s("Running"),
            vec![(s("running"), true, 0), (s("running"), false, 3)],
            vec![]
        )
    );
    assert_eq!(run("pend"), (s("Pending"), vec![], vec![]));
    assert_eq!(
        run("creating"),
        (
            s("Pending"),
            vec![(s("waiting:ContainerCreating"), false, 0)],
            vec![]
        )
    );
    assert_eq!(
        run("podinit"),
        (
            s("Pending"),
            vec![(s("waiting:PodInitializing"), false, 0)],
            vec![]
        )
    );
    assert_eq!(
        run("init-run"),
        (
            s("Pending"),
            vec![(s("waiting:PodInitializing"), false, 0)],
            vec![(s("running"), 0)]
        )
    );
    assert_eq!(
        run("init-err"),
        (
            s("Pending"),
            vec![(s("waiting:PodInitializing"), false, 0)],
            vec![(s("terminated:Error:1"), 2)]
        )
    );
    let ic = run("init-crash");
    assert_eq!(ic.0, "Pending");
    assert_eq!(ic.1.len(), 2);
    assert_eq!(ic.2, vec![(s("waiting:CrashLoopBackOff"), 7)]);
    assert_eq!(
        run("init-cfg").2,
        vec![(s("waiting:CreateContainerConfigError"), 0)]
    );
    assert_eq!(
        run("crash"),
        (
            s("Running"),
            vec![(s("waiting:CrashLoopBackOff"), false, 12)],
            vec![]
        )
    );
    assert_eq!(
        run("crash2").1,
        vec![
            (s("running"), true, 0),
            (s("waiting:CrashLoopBackOff"), false, 4)
        ]
    );
    for (name, reason) in [
        ("pull", "ErrImagePull"),
        ("backoff", "ImagePullBackOff"),
        ("neverpull", "ErrImageNeverPull"),
        ("cfgerr", "CreateContainerConfigError"),
        ("cannotrun", "ContainerCannotRun"),
    ] {
        assert_eq!(
            run(name),
            (
                s("Pending"),
                vec![(format!("waiting:{reason}"), false, 0)],
                vec![]
            ),
            "{name}"
        );
    }
    assert_eq!(
        run("runerr"),
        (
            s("Running"),
            vec![(s("waiting:RunContainerError"), false, 2)],
            vec![]
        )
    );
    assert_eq!(
        run("job-err"),
        (
            s("Failed"),
            vec![(s("terminated:Error:1"), false, 0)],
            vec![]
        )
    );
    assert_eq!(
        run("oom"),
        (
            s("Running"),
            vec![(s("terminated:OOMKilled:137"), false, 3)],
            vec![]
        )
    );
    assert_eq!(run("oom-once").0, "Failed");
    assert_eq!(
        run("done"),
        (
            s("Succeeded"),
            vec![(s("terminated:Completed:0"), false, 0)],
            vec![]
        )
    );
    assert_eq!(
        run("unknown-cs").1,
        vec![(s("terminated:ContainerStatusUnknown:137"), false, 0)]
    );
    assert_eq!(run("sig").1, vec![(s("terminated::137"), false, 0)]);
    assert_eq!(
        run("exitc"),
        (s("Running"), vec![(s("terminated::2"), false, 1)], vec![])
    );
    for (name, ph, reason) in [
        ("evicted", "Failed", Some("Evicted")),
        ("affinity", "Failed", Some("NodeAffinity")),
        ("lost", "Unknown", None),
        ("very-lost", "Unknown", Some("NodeLost")),
    ] {
        let p = get::<Pod>(&out, name);
        let st = p.status.as_ref().expect("status");
        assert_eq!(st.phase.as_deref(), Some(ph), "{name}");
        assert_eq!(st.reason.as_deref(), reason, "{name}");
    }
    let leaving = &out
        .objects
        .iter()
        .find(|o| o.object.metadata().name.as_deref() == Some("leaving"))
        .expect("leaving")
        .object;
    assert_eq!(ann(leaving, "ktriage.io/terminating"), Some("true"));
    assert_eq!(phase(get::<Pod>(&out, "leaving")), "Running");
    for o in &out.objects {
        assert_eq!(ann(&o.object, "ktriage.io/source"), Some("table"));
        assert!(ann(&o.object, "ktriage.io/status").is_some());
        assert!(o.object.metadata().namespace.is_none());
    }
    let web1 = &out.objects[0].object;
    assert_eq!(ann(web1, "ktriage.io/age"), Some("432000"));
    assert_eq!(ann(web1, "ktriage.io/status"), Some("Running"));
    let p = get::<Pod>(&out, "web-2");
    let names: Vec<&str> = p
        .spec
        .as_ref()
        .expect("spec")
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["container-1", "container-2"]);
}

#[test]
fn pods_wide_all_namespaces() {
    let out = parse(PODS_WIDE_ALL);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 4);
    check_ranges(PODS_WIDE_ALL, &out);
    assert!(row(PODS_WIDE_ALL, &out, "api-7d9c4b5f6-x2x9z").starts_with("default       api-"));
    assert!(row(PODS_WIDE_ALL, &out, "api-7d9c4b5f6-x2x9z").ends_with("<none>"));
    let api = get::<Pod>(&out, "api-7d9c4b5f6-x2x9z");
    assert_eq!(api.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(
        api.status.as_ref().and_then(|s| s.pod_ip.as_deref()),
        Some("10.244.1.7")
    );
    assert_eq!(
        api.spec.as_ref().and_then(|s| s.node_name.as_deref()),
        Some("worker-1")
    );
    assert_eq!(
        shape(api).1,
        vec![(s("running"), true, 5), (s("running"), true, 0)]
    );
    let obj = &out.objects[0].object;
    assert_eq!(ann(obj, "ktriage.io/last-restart-age"), Some("120"));
    assert_eq!(
        ann(obj, "ktriage.io/age"),
        Some(&*(3 * 86400 + 4 * 3600).to_string())
    );
    let dns = get::<Pod>(&out, "coredns-5d78c9869d-abcde");
    assert_eq!(dns.metadata.namespace.as_deref(), Some("kube-system"));
    assert_eq!(
        shape(dns).1,
        vec![(s("waiting:CrashLoopBackOff"), false, 2)]
    );
    assert_eq!(
        ann(&out.objects[1].object, "ktriage.io/last-restart-age"),
        Some(&*(7 * 3600 + 40 * 60).to_string())
    );
    let pending = get::<Pod>(&out, "pending-x");
    assert_eq!(phase(pending), "Pending");
    let st = pending.status.as_ref().expect("status");
    assert!(st.pod_ip.is_none());
    assert_eq!(st.nominated_node_name.as_deref(), Some("worker-2"));
    assert!(pending
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_none());
    let ev = get::<Pod>(&out, "evicted-y");
    assert_eq!(
        ev.status.as_ref().and_then(|s| s.reason.as_deref()),
        Some("Evicted")
    );
}

#[test]
fn nodes() {
    let text = include_str!("../../../testdata/tables/nodes.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("Node"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ready = |n: &Node| {
        n.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
            .map(|c| c.status.clone())
            .unwrap_or_default()
    };
    let cp = get::<Node>(&out, "cp-1");
    assert_eq!(ready(cp), "True");
    let labels = cp.metadata.labels.as_ref().expect("labels");
    assert!(labels.contains_key("node-role.kubernetes.io/control-plane"));
    assert!(labels.contains_key("node-role.kubernetes.io/master"));
    assert_eq!(
        cp.status
            .as_ref()
            .and_then(|s| s.node_info.as_ref())
            .map(|i| i.kubelet_version.as_str()),
        Some("v1.28.3")
    );
    let w1 = get::<Node>(&out, "worker-1");
    assert_eq!(ready(w1), "False");
    assert!(w1.metadata.labels.as_ref().is_none_or(|l| l.is_empty()));
    let w2 = get::<Node>(&out, "worker-2");
    assert_eq!(ready(w2), "True");
    assert_eq!(w2.spec.as_ref().and_then(|s| s.unschedulable), Some(true));
    assert_eq!(ready(get::<Node>(&out, "worker-3")), "Unknown");
    assert_eq!(Some(row(text, &out, "worker-3")), text.lines().nth(4));
}

#[test]
fn nodes_wide() {
    let text = include_str!("../../../testdata/tables/nodes_wide.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let n = get::<Node>(&out, "ip-10-0-1-5.ec2.internal");
    let st = n.status.as_ref().expect("status");
    let info = st.node_info.as_ref().expect("info");
    assert_eq!(info.os_image, "Amazon Linux 2");
    assert_eq!(info.container_runtime_version, "containerd://1.7.11");
    assert_eq!(info.kernel_version, "5.10.205-195.807.amzn2.x86_64");
    let addrs: Vec<(&str, &str)> = st
        .addresses
        .iter()
        .flatten()
        .map(|a| (a.type_.as_str(), a.address.as_str()))
        .collect();
    assert_eq!(
        addrs,
        [("InternalIP", "10.0.1.5"), ("ExternalIP", "54.1.2.3")]
    );
    let n2 = get::<Node>(&out, "ip-10-0-1-6.ec2.internal");
    assert_eq!(n2.spec.as_ref().and_then(|s| s.unschedulable), Some(true));
    assert_eq!(
        n2.status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn services() {
    let text = include_str!("../../../testdata/tables/svc.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("Service"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ports = |name: &str| -> Vec<(i32, Option<i32>, String)> {
        get::<Service>(&out, name)
            .spec
            .as_ref()
            .and_then(|s| s.ports.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.port, p.node_port, p.protocol.unwrap_or_default()))
            .collect()
    };
    assert_eq!(ports("kubernetes"), [(443, None, s("TCP"))]);
    assert_eq!(ports("web"), [(80, Some(30080), s("TCP"))]);
    assert_eq!(
        ports("multi"),
        [
            (443, None, s("TCP")),
            (80, None, s("TCP")),
            (53, None, s("UDP"))
        ]
    );
    let web = get::<Service>(&out, "web");
    let spec = web.spec.as_ref().expect("spec");
    assert_eq!(spec.type_.as_deref(), Some("NodePort"));
    assert_eq!(spec.cluster_ip.as_deref(), Some("10.96.12.7"));
    assert!(spec.selector.is_none());
    let lb = get::<Service>(&out, "lb-ok");
    let ingress = lb
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|l| l.ingress.as_ref())
        .expect("ingress");
    assert_eq!(
        ingress[0].hostname.as_deref(),
        Some("a1b2.elb.amazonaws.com")
    );
    let pending = get::<Service>(&out, "lb");
    assert!(pending
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .is_some_and(|l| l.ingress.is_none()));
    assert_eq!(
        get::<Service>(&out, "headless")
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.as_deref()),
        Some("None")
    );
    let ext = get::<Service>(&out, "ext").spec.as_ref().expect("spec");
    assert_eq!(ext.external_name.as_deref(), Some("db.example.com"));
    assert!(ext.ports.is_none());
    assert!(row(text, &out, "ext").starts_with("ext          ExternalName"));
}

#[test]
fn services_wide_selector() {
    let text = include_str!("../../../testdata/tables/svc_wide.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let fe = get::<Service>(&out, "frontend");
    assert_eq!(fe.metadata.namespace.as_deref(), Some("shop"));
    let sel = fe
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .expect("selector");
    assert_eq!(sel.get("app").map(String::as_str), Some("frontend"));
    assert_eq!(sel.get("tier").map(String::as_str), Some("web"));
    let legacy = get::<Service>(&out, "legacy");
    assert!(legacy
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .is_none());
}

#[test]
fn endpoints() {
    let text = include_str!("../../../testdata/tables/endpoints.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("Endpoints"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let flat = |name: &str| -> Vec<(Vec<String>, Vec<i32>)> {
        get::<Endpoints>(&out, name)
            .subsets
            .iter()
            .flatten()
            .map(|s| {
                (
                    s.addresses.iter().flatten().map(|a| a.ip.clone()).collect(),
                    s.ports.iter().flatten().map(|p| p.port).collect(),
                )
            })
            .collect()
    };
    assert_eq!(
        flat("web"),
        [(vec![s("10.1.0.6"), s("10.1.0.7")], vec![8000])]
    );
    assert!(flat("empty").is_empty());
    assert_eq!(flat("many")[0].0.len(), 3);
    let many = &out.objects[3].object;
    assert_eq!(ann(many, "ktriage.io/endpoints-more"), Some("3"));
    assert_eq!(
        flat("dual"),
        [
            (vec![s("10.0.0.1"), s("10.0.0.2")], vec![53]),
            (vec![s("10.0.0.1")], vec![9153])
        ]
    );
    assert!(row(text, &out, "many").contains("+ 3 more..."));
}

#[test]
fn pvcs() {
    let text = include_str!("../../../testdata/tables/pvc.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("PersistentVolumeClaim"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let db = get::<PersistentVolumeClaim>(&out, "data-db-0");
    let st = db.status.as_ref().expect("status");
    assert_eq!(st.phase.as_deref(), Some("Bound"));
    assert_eq!(
        st.capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.as_str()),
        Some("10Gi")
    );
    assert_eq!(st.access_modes.as_deref(), Some(&[s("ReadWriteOnce")][..]));
    let spec = db.spec.as_ref().expect("spec");
    assert_eq!(spec.storage_class_name.as_deref(), Some("standard"));
    assert_eq!(
        spec.volume_name.as_deref(),
        Some("pvc-3f2a9c1e-1111-2222-3333-444455556666")
    );
    let shared = get::<PersistentVolumeClaim>(&out, "shared");
    assert_eq!(
        shared.status.as_ref().and_then(|s| s.access_modes.clone()),
        Some(vec![s("ReadWriteMany"), s("ReadOnlyMany")])
    );
    let w = get::<PersistentVolumeClaim>(&out, "waiting");
    assert_eq!(
        w.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Pending")
    );
    assert!(w
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_ref())
        .is_none());
    assert_eq!(
        w.spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_deref()),
        Some("fast")
    );
}

#[test]
fn pvcs_new_columns() {
    let text = include_str!("../../../testdata/tables/pvc_new.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let r = get::<PersistentVolumeClaim>(&out, "redis-standard-pvc");
    let spec = r.spec.as_ref().expect("spec");
    assert_eq!(spec.storage_class_name.as_deref(), Some("standard-v2"));
    assert!(spec.volume_attributes_class_name.is_none());
    assert_eq!(spec.volume_mode.as_deref(), Some("Filesystem"));
    let solo = get::<PersistentVolumeClaim>(&out, "solo")
        .spec
        .as_ref()
        .expect("spec");
    assert_eq!(solo.volume_attributes_class_name.as_deref(), Some("gold"));
    assert_eq!(
        solo.access_modes.as_deref(),
        Some(&[s("ReadWriteOncePod")][..])
    );
    assert_eq!(solo.volume_mode.as_deref(), Some("Block"));
}

#[test]
fn deployments() {
    let text = include_str!("../../../testdata/tables/deploy.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("Deployment"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let api = get::<Deployment>(&out, "api");
    assert_eq!(api.spec.replicas, Some(3));
    let st = api.status.as_ref().expect("status");
    assert_eq!(
        (
            st.ready_replicas,
            st.updated_replicas,
            st.available_replicas
        ),
        (Some(1), Some(3), Some(1))
    );

    let text = include_str!("../../../testdata/tables/deploy_wide.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let web = get::<Deployment>(&out, "web");
    let spec = &web.spec;
    let cs: Vec<(&str, Option<&str>)> = spec
        .template
        .spec
        .as_ref()
        .map(|p| {
            p.containers
                .iter()
                .map(|c| (c.name.as_str(), c.image.as_deref()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        cs,
        [
            ("nginx", Some("nginx:1.25")),
            ("sidecar", Some("busybox:1.36"))
        ]
    );
    assert_eq!(
        spec.selector
            .match_labels
            .as_ref()
            .and_then(|m| m.get("app"))
            .map(String::as_str),
        Some("web")
    );

    let text = include_str!("../../../testdata/tables/deploy_old.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let d = get::<Deployment>(&out, "nginx-deployment");
    assert_eq!(d.spec.replicas, Some(3));
    let st = d.status.as_ref().expect("status");
    assert_eq!(
        (st.replicas, st.available_replicas, st.ready_replicas),
        (Some(3), Some(0), None)
    );
}

/// `(kind, name, namespace, reason, type, count, last, first)` of every event.
#[allow(clippy::type_complexity)]
fn events(
    out: &TableOutput,
) -> Vec<(
    String,
    String,
    Option<String>,
    String,
    String,
    i32,
    Option<String>,
    Option<String>,
)> {
    out.objects
        .iter()
        .map(|o| {
            let e = Event::from_object(&o.object).expect("event");
            (
                e.involved_object.kind.clone().unwrap_or_default(),
                e.involved_object.name.clone().unwrap_or_default(),
                e.involved_object.namespace.clone(),
                e.reason.clone().unwrap_or_default(),
                e.type_.clone().unwrap_or_default(),
                e.count.unwrap_or_default(),
                ann(&o.object, "ktriage.io/last-seen-age").map(str::to_string),
                ann(&o.object, "ktriage.io/first-seen-age").map(str::to_string),
            )
        })
        .collect()
}

fn msg(out: &TableOutput, i: usize) -> String {
    Event::from_object(&out.objects[i].object)
        .and_then(|e| e.message.clone())
        .unwrap_or_default()
}

#[test]
fn events_get() {
    let text = include_str!("../../../testdata/tables/events_get.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("Event"));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ev = events(&out);
    assert_eq!(ev.len(), 6);
    assert_eq!(
        ev[0],
        (
            s("Pod"),
            s("web-5d8f7-abcde"),
            None,
            s("BackOff"),
            s("Warning"),
            0,
            Some(s("120")),
            None
        )
    );
    let e0 = Event::from_object(&out.objects[0].object).expect("event");
    assert_eq!(e0.count, None, "`kubectl get events` does not print counts");
    assert_eq!(ev[1].0, "Deployment");
    assert_eq!(ev[2].6, None);
    assert_eq!(ev[3].3, "FailedScheduling");
    assert!(msg(&out, 3).ends_with("victims found for incoming pod."));
    assert_eq!(ev[4].0, "ReplicaSet");
    assert_eq!(ev[5].0, "HorizontalPodAutoscaler");
    assert_eq!(
        &text[out.objects[4].start..out.objects[4].end],
        text.lines().nth(5).unwrap_or("")
    );
    assert!(out
        .objects
        .iter()
        .all(|o| o.object.metadata().namespace.is_none()));
}

#[test]
fn events_all_namespaces() {
    let text = include_str!("../../../testdata/tables/events_all.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ev = events(&out);
    assert_eq!(ev[0].2.as_deref(), Some("default"));
    assert_eq!(
        out.objects[1].object.metadata().namespace.as_deref(),
        Some("kube-system")
    );
    assert_eq!(ev[2].0, "Node");
    assert_eq!(ev[2].2, None, "nodes are not namespaced");
    assert!(msg(&out, 0).starts_with("MountVolume.SetUp failed for volume \"cfg\""));
}

#[test]
fn events_wide_and_old() {
    let text = include_str!("../../../testdata/tables/events_wide.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ev = events(&out);
    assert_eq!(
        ev[0],
        (
            s("Pod"),
            s("web-1"),
            None,
            s("BackOff"),
            s("Warning"),
            17,
            Some(s("120")),
            Some(s("3600"))
        )
    );
    let e = Event::from_object(&out.objects[0].object).expect("event");
    assert_eq!(e.metadata.name.as_deref(), Some("web-1.17a2b3c4d5e6f708"));
    assert_eq!(
        e.involved_object.field_path.as_deref(),
        Some("spec.containers{web}")
    );
    let src = e.source.as_ref().expect("source");
    assert_eq!(
        (src.component.as_deref(), src.host.as_deref()),
        (Some("kubelet"), Some("worker-1"))
    );
    assert_eq!(
        msg(&out, 1),
        "Container web failed liveness probe, will be restarted"
    );

    let text = include_str!("../../../testdata/tables/events_old.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ev = events(&out);
    assert_eq!(
        ev[0],
        (
            s("Pod"),
            s("nginx-7c87f569d-4fhq7"),
            None,
            s("Scheduled"),
            s("Normal"),
            1,
            Some(s("60")),
            Some(s("60"))
        )
    );
    assert_eq!(ev[1].3, "Failed");
    assert_eq!(ev[1].5, 8);
    assert_eq!(ev[1].6.as_deref(), Some("38"));
    let e = Event::from_object(&out.objects[0].object).expect("event");
    assert!(e.involved_object.field_path.is_none());
    assert_eq!(
        e.source.as_ref().and_then(|s| s.component.as_deref()),
        Some("default-scheduler")
    );
    assert!(msg(&out, 1).ends_with("manifest for nginx:nope not found"));
}

#[test]
fn events_all_namespaces_wide() {
    let text = include_str!("../../../testdata/tables/events_all_wide.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ev = events(&out);
    assert_eq!(
        ev[0],
        (
            s("Pod"),
            s("prom-0"),
            Some(s("monitoring")),
            s("Unhealthy"),
            s("Warning"),
            812,
            Some(s("252")),
            Some(s("172800"))
        )
    );
    assert_eq!(
        msg(&out, 0),
        "Readiness probe failed: HTTP probe failed with statuscode: 503"
    );
    let e = Event::from_object(&out.objects[1].object).expect("event");
    assert!(e.involved_object.field_path.is_none());
    assert_eq!(e.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(e.metadata.name.as_deref(), Some("web-9.17b9c0d1e2f3a4b6"));
    assert_eq!(e.count, Some(1));
}

#[test]
fn kubectl_events_counts() {
    let text = include_str!("../../../testdata/tables/kubectl_events.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ev = events(&out);
    assert_eq!(ev[1].5, 5);
    assert_eq!(
        (ev[1].6.as_deref(), ev[1].7.as_deref()),
        (Some("3360"), Some("3480"))
    );
    assert_eq!(ev[2].5, 256);
    assert_eq!(ev[2].6.as_deref(), Some("210"));
    assert_eq!((ev[3].5, ev[3].6.clone(), ev[3].7.clone()), (9, None, None));
    assert_eq!(ev[0].0, "Pod");
    // A bare age in `kubectl events` means a single occurrence.
    assert_eq!(
        (ev[0].5, ev[0].6.as_deref(), ev[0].7.as_deref()),
        (1, Some("3480"), Some("3480"))
    );
}

#[test]
fn events_wrapped_messages() {
    let text = include_str!("../../../testdata/tables/events_wrapped.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 3);
    assert_eq!(
        msg(&out, 0),
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
    assert_eq!(
        &text[out.objects[0].start..out.objects[0].end]
            .lines()
            .count(),
        &2
    );
    assert_eq!(
        msg(&out, 1),
        "Memory cgroup out of memory: Kill process 4242 (java) score 1000 or sacrificed child\nKilled process 4242 (java) total-vm:123kB"
    );
    assert_eq!(
        msg(&out, 2),
        "Container image \"busybox\" already present on machine"
    );
}

#[test]
fn mangled_markdown_quote_crlf() {
    let text = include_str!("../../../testdata/tables/mangled_quoted.md");
    assert!(!looks_like_table(text), "prose comes first");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 2);
    let api0 = get::<Pod>(&out, "api-0");
    assert_eq!(
        shape(api0).1,
        vec![(s("waiting:CrashLoopBackOff"), false, 9)]
    );
    assert_eq!(
        ann(&out.objects[0].object, "ktriage.io/last-restart-age"),
        Some("40")
    );
    assert_eq!(
        row(text, &out, "api-1"),
        "> api-1   1/1     Running            0             1h"
    );
    let fenced = "```\n> NAME   READY   STATUS    RESTARTS   AGE\n```\n";
    assert!(looks_like_table(fenced));
}

#[test]
fn tabs_indentation_and_k9s() {
    let text = include_str!("../../../testdata/tables/tabs.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(phase(get::<Pod>(&out, "web-0")), "Running");
    assert_eq!(
        shape(get::<Pod>(&out, "web-1")).1,
        vec![(s("terminated:OOMKilled:137"), false, 4)]
    );
    assert_eq!(
        row(text, &out, "web-1"),
        "web-1\t0/1\tOOMKilled\t4 (5m ago)\t3d"
    );

    let text = include_str!("../../../testdata/tables/indented.txt");
    assert!(looks_like_table(text));
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 2);
    assert!(row(text, &out, "n2").starts_with("      n2 "));

    let text = include_str!("../../../testdata/tables/k9s.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 2);
    let w = get::<Pod>(&out, "worker-5f9");
    assert_eq!(w.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(shape(w).2, vec![(s("waiting:CrashLoopBackOff"), 14)]);
    assert!(row(text, &out, "web-6c7").starts_with("│ default     web-6c7"));
}

#[test]
fn several_tables_and_problems() {
    let text = include_str!("../../../testdata/tables/multi.txt");
    let out = parse(text);
    check_ranges(text, &out);
    assert_eq!(out.kind, Some("Pod"));
    let names: Vec<&str> = out
        .objects
        .iter()
        .filter_map(|o| o.object.metadata().name.as_deref())
        .collect();
    assert_eq!(names, ["a", "s"]);
    assert_eq!(out.objects[1].object.kind(), "Service");
    let p: Vec<(Option<usize>, Option<usize>)> =
        out.problems.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(
        p,
        [
            (Some(4), Some(8)),
            (Some(5), Some(16)),
            (Some(10), Some(47))
        ]
    );
    assert!(
        out.problems[0].message.contains("READY"),
        "{}",
        out.problems[0]
    );
    assert!(out.problems[1].message.contains("Exploded"));
    assert!(out.problems[2].message.contains("eighty"));
}

#[test]
fn init_progress() {
    let text =
        "NAME   READY   STATUS     RESTARTS   AGE\nmig    0/2     Init:1/3   4          9m\n";
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let (ph, cs, init) = shape(get::<Pod>(&out, "mig"));
    assert_eq!(ph, "Pending");
    assert_eq!(cs, vec![(s("waiting:PodInitializing"), false, 0); 2]);
    assert_eq!(
        init,
        [
            (s("terminated:Completed:0"), 0),
            (s("running"), 4),
            (s("waiting:PodInitializing"), 0)
        ]
    );
}

#[test]
fn get_all_and_unknown_tables() {
    let text = "NAME                READY   STATUS    RESTARTS   AGE
pod/web-0           1/1     Running   0          2d

NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   9d

NAME                  READY   UP-TO-DATE   AVAILABLE   AGE
deployment.apps/web   1/1     1            1           2d

NAME                             DESIRED   CURRENT   READY   AGE
replicaset.apps/web-5d8f7        1         1         1       2d
NAME       DATA   AGE
settings   2      4d
";
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let got: Vec<(&str, &str)> = out
        .objects
        .iter()
        .map(|o| {
            (
                o.object.kind(),
                o.object.metadata().name.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Pod", "web-0"),
            ("Service", "kubernetes"),
            ("Deployment", "web")
        ]
    );
}

#[test]
fn collapsed_whitespace() {
    // Markdown outside a fence collapses runs of spaces.
    let text = "NAME READY STATUS RESTARTS AGE\nweb-0 0/1 CrashLoopBackOff 5 (2m ago) 3d\n";
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        shape(get::<Pod>(&out, "web-0")).1,
        vec![(s("waiting:CrashLoopBackOff"), false, 5)]
    );
    let text = "LAST SEEN TYPE REASON OBJECT MESSAGE\n56m (x5 over 58m) Warning BackOff pod/web-0 Back-off restarting failed container\n";
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(events(&out)[0].5, 5);
    assert_eq!(msg(&out, 0), "Back-off restarting failed container");
    let text =
        "NAMESPACE LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME\n";
    assert!(looks_like_table(text));
}

#[test]
fn never_panics_on_cut_or_shifted_text() {
    let fixtures = [
        PODS_OLD,
        PODS_WIDE_ALL,
        include_str!("../../../testdata/tables/events_old.txt"),
        include_str!("../../../testdata/tables/events_wrapped.txt"),
        include_str!("../../../testdata/tables/k9s.txt"),
        include_str!("../../../testdata/tables/mangled_quoted.md"),
        include_str!("../../../testdata/tables/endpoints.txt"),
        include_str!("../../../testdata/tables/svc.txt"),
    ];
    for text in fixtures {
        for (i, _) in text.char_indices().step_by(5) {
            let cut = &text[..i];
            let out = parse(cut);
            for o in &out.objects {
                assert!(cut.get(o.start..o.end).is_some());
            }
            // The same text with one character dropped.
            let mut shifted = String::from(&text[..i]);
            shifted.push_str(text[i..].chars().skip(1).collect::<String>().as_str());
            let out = parse(&shifted);
            for o in &out.objects {
                assert!(shifted.get(o.start..o.end).is_some());
            }
        }
    }
}

#[test]
fn old_headers_without_newer_columns() {
    let text = "NAME      STATUS     AGE       VERSION
node-1    Ready      1y        v1.7.16
node-2    NotReady   1y        v1.7.16

NAME         CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE
kubernetes   10.0.0.1     <none>        443/TCP        1y
web          10.0.0.50    <nodes>       80:31000/TCP   2d
lb           10.0.0.51    35.1.2.3      80:31001/TCP   2d

NAME      STATUS    VOLUME    CAPACITY   ACCESSMODES   STORAGECLASS   AGE
data      Bound     pv-1      5Gi        RWO           slow           3d
";
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.kind, Some("Node"));
    let n = get::<Node>(&out, "node-2");
    assert_eq!(
        n.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .map(|c| c[0].status.as_str()),
        Some("False")
    );
    let web = get::<Service>(&out, "web").spec.as_ref().expect("spec");
    assert!(web.type_.is_none() && web.external_ips.is_none());
    assert_eq!(
        web.ports.as_ref().map(|p| p[0].node_port),
        Some(Some(31000))
    );
    let lb = out
        .objects
        .iter()
        .find(|o| o.object.metadata().name.as_deref() == Some("lb"))
        .expect("lb");
    assert_eq!(ann(&lb.object, "ktriage.io/external-ip"), Some("35.1.2.3"));
    let pvc = get::<PersistentVolumeClaim>(&out, "data");
    assert_eq!(
        pvc.spec.as_ref().and_then(|s| s.access_modes.clone()),
        Some(vec![s("ReadWriteOnce")])
    );
}

#[test]
fn prompt_ends_event_table() {
    let text = "LAST SEEN   TYPE     REASON    OBJECT      MESSAGE
2m          Normal   Pulled    pod/web-0   Container image \"nginx\" already present on machine
$ kubectl get pods
NAME    READY   STATUS    RESTARTS   AGE
web-0   1/1     Running   0          2m
";
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        msg(&out, 0),
        "Container image \"nginx\" already present on machine"
    );
    assert_eq!(out.objects[1].object.kind(), "Pod");
}

#[test]
fn markdown_table() {
    let text = "| NAME | STATUS | ROLES | AGE | VERSION |\n|------|--------|-------|-----|---------|\n| node-1 | NotReady | <none> | 3d | v1.29.1 |\n";
    assert!(looks_like_table(text));
    let out = parse(text);
    check_ranges(text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 1);
    assert_eq!(
        row(text, &out, "node-1"),
        "| node-1 | NotReady | <none> | 3d | v1.29.1 |"
    );
}

#[test]
fn large_table() {
    let mut text = String::from("NAMESPACE   NAME        READY   STATUS    RESTARTS   AGE\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "default     web-{i:05}   1/1     Running   0          2d\n"
        ));
    }
    let out = parse(&text);
    assert!(out.problems.is_empty());
    assert_eq!(out.objects.len(), 20_000);
}

#[test]
fn not_tables() {
    assert!(!looks_like_table("apiVersion: v1\nkind: Pod\n"));
    assert!(!looks_like_table("NAME   DATA   AGE\ncm    1      2d\n"));
    assert!(!looks_like_table(""));
    let out = parse("Name: x\nNamespace: y\n");
    assert!(out.objects.is_empty() && out.problems.is_empty() && out.kind.is_none());
    // Garbage never panics.
    for t in [
        "NAME READY STATUS RESTARTS AGE\n\u{1F600} 1/1",
        "LAST SEEN TYPE REASON OBJECT MESSAGE\n5m",
        "NAME READY STATUS RESTARTS AGE\na 99999999999/1 Running 0 1d\n",
    ] {
        let _ = parse(t);
    }
}

const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/realworld/holmesgpt/tests/llm/fixtures/"
);

/// The file without the test harness's leading JSON lines, or `None` when absent.
fn real(path: &str) -> Option<String> {
    let Ok(text) = std::fs::read_to_string(format!("{REAL}{path}")) else {
        eprintln!("skipping: {REAL}{path} is not there");
        return None;
    };
    let mut rest = text.as_str();
    while rest.starts_with('{') {
        rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
    }
    Some(rest.to_string())
}

#[test]
fn real_holmesgpt_pods() {
    let Some(text) =
        real("test_investigate/10_KubeDeploymentReplicasMismatch/kubectl_get_by_kind_in_namespace_pod_default.txt")
    else {
        return;
    };
    assert!(looks_like_table(&text));
    let out = parse(&text);
    check_ranges(&text, &out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.objects.len(), 37);
    let la = get::<Pod>(&out, "logging-agent");
    assert_eq!(shape(la).0, "Pending");
    assert_eq!(shape(la).2, vec![(s("waiting:CrashLoopBackOff"), 311)]);
    let db = get::<Pod>(&out, "db-certs-authenticator-757f89d977-795x7");
    assert_eq!(
        shape(db),
        (
            s("Running"),
            vec![(s("waiting:CrashLoopBackOff"), false, 255)],
            vec![]
        )
    );
    let graf = get::<Pod>(&out, "robusta-grafana-8588b8fb85-rg4z5");
    assert_eq!(shape(graf).1.len(), 3);
    assert_eq!(shape(graf).1.iter().map(|c| c.2).sum::<i32>(), 108);
    assert_eq!(phase(get::<Pod>(&out, "dnsutils-resolvconf")), "Succeeded");
    assert_eq!(phase(get::<Pod>(&out, "get-data-24bnd")), "Failed");
    assert_eq!(phase(get::<Pod>(&out, "redis-747ffc844f-f9ghd")), "Pending");
    let img = get::<Pod>(&out, "customer-relations-webapp-7c67c65579-hr4wn");
    assert_eq!(
        shape(img),
        (
            s("Pending"),
            vec![(s("waiting:ImagePullBackOff"), false, 0)],
            vec![]
        )
    );
    let labels = img.metadata.labels.as_ref().expect("labels");
    assert_eq!(
        labels.get("app").map(String::as_str),
        Some("customer-relations")
    );
    assert!(row(&text, &out, "logging-agent").starts_with("logging-agent "));
}

#[test]
fn real_holmesgpt_small_tables() {
    if let Some(text) = real("test_ask_holmes/54_not_truncated_when_getting_pods/kubectl_get_by_kind_in_namespacepod_ask-holmes-namespace-54b.txt") {
        let out = parse(&text);
        check_ranges(&text, &out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let p = get::<Pod>(&out, "fast-fail-pod");
        assert_eq!(shape(p), (s("Pending"), vec![(s("waiting:ImagePullBackOff"), false, 0)], vec![]));
        assert_eq!(p.spec.as_ref().and_then(|s| s.node_name.as_deref()), Some("pool-5rdd4oamz-gl4h4"));
    }
    if let Some(text) =
        real("test_ask_holmes/13a_pending_node_selector_basic/kubectl_get_by_kind_in_cluster.txt")
    {
        let out = parse(&text);
        check_ranges(&text, &out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.kind, Some("Node"));
        let n = get::<Node>(&out, "kind-double-node-worker");
        let info = n
            .status
            .as_ref()
            .and_then(|s| s.node_info.as_ref())
            .expect("info");
        assert_eq!(info.os_image, "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(info.kubelet_version, "v1.31.2");
        let cp = get::<Node>(&out, "kind-double-node-control-plane");
        assert!(cp
            .metadata
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane")));
    }
    if let Some(text) = real("test_ask_holmes/02_what_is_wrong_with_pod/kubectl_eventsapp-02_giant-narwhal-6958c5bdd8-69gtn_pod.txt") {
        let out = parse(&text);
        check_ranges(&text, &out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let ev = events(&out);
        assert_eq!(ev.len(), 5);
        assert_eq!(ev[4].3, "BackOff");
        assert_eq!(ev[4].5, 256);
        assert_eq!(ev[4].1, "giant-narwhal-6958c5bdd8-69gtn");
        assert_eq!(ev[1].7.as_deref(), Some("3480"));
    }
    if let Some(text) = real("test_investigate/03_cpu_throttling/kubectl_events.txt") {
        let out = parse(&text);
        check_ranges(&text, &out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let ev = events(&out);
        assert_eq!(ev.len(), 5);
        assert!(ev.iter().all(|e| e.0 == "Pod" && e.1 == "frontend-service"));
        assert_eq!(ev[4].6.as_deref(), Some("2880"));
    }
}
