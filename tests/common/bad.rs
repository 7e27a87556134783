//! The bad-input corpus: what `testdata/bad/` holds (small files, written again with
//! `UPDATE_BAD=1 cargo test --test robustness`), and the large inputs that are only generated
//! into a temporary folder when a test runs (archive bombs, 100 MB lines, thousands of files).

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::Path;

/// A small PodList: one crash-looping pod and one running pod.
pub const PODS_JSON: &str = r#"{
  "apiVersion": "v1",
  "kind": "PodList",
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "api-1", "namespace": "shop", "uid": "u-api-1"},
      "spec": {"containers": [{"name": "api", "image": "shop/api:1.0"}]},
      "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{
          "name": "api", "ready": false, "restartCount": 7, "image": "shop/api:1.0",
          "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
          "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}
        }]
      }
    },
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-web-1"},
      "spec": {"containers": [{"name": "web", "image": "shop/web:1.0"}]},
      "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "shop/web:1.0", "state": {"running": {}}}]
      }
    }
  ]
}
"#;

/// The same pods in YAML.
pub const POD_YAML: &str = "apiVersion: v1
kind: Pod
metadata:
  name: api-1
  namespace: shop
spec:
  containers:
  - name: api
    image: shop/api:1.0
status:
  phase: Pending
  conditions:
  - type: PodScheduled
    status: \"False\"
    reason: Unschedulable
    message: '0/3 nodes are available: 3 Insufficient memory.'
";

const LOG: &str = "INFO: starting\nTraceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    limit = os.environ[\"MAX_STRESS_SECONDS\"]\nKeyError: 'MAX_STRESS_SECONDS'\n";

/// A tar header for a regular file, a link or a special entry, with its name written as is
/// (the `tar` crate refuses to write `..` and absolute names, which hostile archives hold).
fn header(name: &str, kind: tar::EntryType, size: u64, link: Option<&str>) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(l) = link {
            old.linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
    }
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_mtime(1_700_000_000);
    h.set_size(size);
    h.set_cksum();
    h
}

/// A tar of regular files.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, body) in files {
        let h = header(name, tar::EntryType::Regular, body.len() as u64, None);
        b.append(&h, *body).unwrap();
    }
    b.into_inner().unwrap()
}

/// gzip of `data`, finished (with its checksum) or cut off where the data ends, as a
/// transfer that stopped part way leaves it.
pub fn gzip(data: &[u8], finish: bool) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    if finish {
        e.finish().unwrap()
    } else {
        e.flush().unwrap();
        e.get_ref().clone()
    }
}

/// A small support bundle: pods, a log and a version file.
fn bundle() -> (Vec<u8>, usize, usize) {
    let files: [(&str, &[u8]); 3] = [
        ("bundle/cluster-resources/pods/shop.json", PODS_JSON.as_bytes()),
        ("bundle/cluster-resources/pods/logs/shop/api-1/api-previous.log", LOG.as_bytes()),
        ("bundle/version.yaml", b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundleVersion\nspec:\n  versionNumber: v0.72.0\n"),
    ];
    let tar = tar_of(&files);
    // Offsets in the tar: the middle of the second file's data, and inside the third header.
    let first = 512 + PODS_JSON.len().div_ceil(512) * 512;
    let mid_entry = first + 512 + LOG.len() / 2;
    let mid_header = first + 512 + LOG.len().div_ceil(512) * 512 + 100;
    (tar, mid_entry, mid_header)
}

/// A zip written by hand: each member stored or deflated as given, with the sizes and
/// checksum it declares (which may lie).
pub struct ZipMember<'a> {
    pub name: &'a str,
    /// The member's data as stored in the archive.
    pub data: &'a [u8],
    pub deflated: bool,
    pub crc: u32,
    pub declared_size: u32,
}

pub fn zip_of(members: &[ZipMember<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let method: u16 = if m.deflated { 8 } else { 0 };
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&method.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // time
            v.extend_from_slice(&0x5821u16.to_le_bytes()); // date
            v.extend_from_slice(&m.crc.to_le_bytes());
            v.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
            v.extend_from_slice(&m.declared_size.to_le_bytes());
            v.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(m.name.as_bytes());
        out.extend_from_slice(m.data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(m.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// CRC-32 (IEEE), bit by bit: only small members need it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The small inputs of `testdata/bad/`: (path inside the folder, bytes).
pub fn small() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| v.push((name.to_string(), bytes));
    let (tar, mid_entry, mid_header) = bundle();
    add("truncated-mid-entry.tar.gz", gzip(&tar[..mid_entry], false));
    add(
        "truncated-mid-header.tar.gz",
        gzip(&tar[..mid_header], false),
    );
    let mut bad_crc = gzip(&tar, true);
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xFF;
    add("bad-crc.tar.gz", bad_crc);
    // Entries that try to leave the snapshot, and links that go round in circles.
    let mut b = tar::Builder::new(Vec::new());
    use tar::EntryType::{Link, Regular, Symlink};
    let good = POD_YAML.as_bytes();
    let evil = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: evil\n";
    for (name, kind, link, body) in [
        ("snap/pods.yaml", Regular, None, good),
        ("snap/../../evil.yaml", Regular, None, &evil[..]),
        ("/etc/evil.yaml", Regular, None, &evil[..]),
        ("snap/hard-out", Link, Some("/etc/shadow"), &b""[..]),
        ("snap/hard-up", Link, Some("../outside.yaml"), &b""[..]),
        ("snap/hard-in", Link, Some("snap/pods.yaml"), &b""[..]),
        (
            "snap/sym-out",
            Symlink,
            Some("../../../etc/passwd"),
            &b""[..],
        ),
        ("snap/sym-abs", Symlink, Some("/etc/passwd"), &b""[..]),
        ("snap/loop-a.yaml", Symlink, Some("loop-b.yaml"), &b""[..]),
        ("snap/loop-b.yaml", Symlink, Some("loop-a.yaml"), &b""[..]),
        ("snap/self.yaml", Symlink, Some("self.yaml"), &b""[..]),
        ("snap/sym-in.yaml", Symlink, Some("pods.yaml"), &b""[..]),
        ("snap/fifo", tar::EntryType::Fifo, None, &b""[..]),
    ] {
        let h = header(name, kind, body.len() as u64, link);
        b.append(&h, body).unwrap();
    }
    add("escapes.tar", b.into_inner().unwrap());
    // A zip member that declares 4 GiB; and a readable one beside it.
    let small_member = b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
    add(
        "huge-declared-size.zip",
        zip_of(&[
            ZipMember {
                name: "snap/huge.json",
                data: b"{\"kind\": \"PodList\", \"items\": []}",
                deflated: false,
                crc: 0,
                declared_size: 0xFFFF_FFF0,
            },
            ZipMember {
                name: "snap/namespace.yaml",
                data: small_member,
                deflated: false,
                crc: crc32(small_member),
                declared_size: small_member.len() as u32,
            },
        ]),
    );
    add("empty.tar.gz", gzip(&[0u8; 1024], true));
    add("empty.zip", zip_of(&[]));
    // Syntax errors at known places.
    let json = PODS_JSON.replacen("\"uid\": \"u-web-1\"}", "\"uid\": \"u-web-1\"", 1);
    add("invalid-json.json", json.into_bytes());
    let yaml = POD_YAML.replacen("  - name: api\n", "  - name: api\n   image: [x\n", 1);
    add("invalid-yaml.yaml", yaml.into_bytes());
    // Billion laughs: ten levels of nine aliases each.
    let mut laughs = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\n");
    laughs.push_str(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    laughs.push_str("data:\n  x: *a9\n");
    add("billion-laughs.yaml", laughs.into_bytes());
    let deep = 10_000;
    add(
        "deep-nesting.json",
        format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"deep\"}},\n\"data\": {}{}}}\n",
            "[".repeat(deep),
            "]".repeat(deep)
        )
        .into_bytes(),
    );
    add(
        "deep-nesting.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}{}\n",
            "[".repeat(deep),
            "]".repeat(deep)
        )
        .into_bytes(),
    );
    // Not text at all, behind a data name.
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let binary: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    add("binary.json", binary.clone());
    // Encodings and line ends.
    let mut bad_utf8 = POD_YAML.as_bytes().to_vec();
    let at = POD_YAML.find("0/3 nodes").unwrap();
    bad_utf8.splice(at..at, [0xC3, 0x28, 0xFF]);
    add("invalid-utf8.yaml", bad_utf8);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in POD_YAML.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    add("utf16-bom.yaml", utf16);
    add("crlf.yaml", POD_YAML.replace('\n', "\r\n").into_bytes());
    add("empty.json", Vec::new());
    add("empty.yaml", Vec::new());
    add("whitespace.yaml", b"  \n\n\t\n".to_vec());
    add(
        "describe-cut-off.txt",
        b"Name:             api-1\nNamespace:        shop\nPriority:         0\nNode:             node-1/10.0.0.5\nStatus:           Running\nIP:               10.244.1.7\nContainers:\n  api:\n    Image:          shop/api:1.0\n    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n    Ready:          False\n    Restart Cou"
            .to_vec(),
    );
    add(
        "crlf-describe.txt",
        b"Name:             api-1\r\nNamespace:        shop\r\nStatus:           Running\r\nContainers:\r\n  api:\r\n    Image:          shop/api:1.0\r\n    State:          Waiting\r\n      Reason:       CrashLoopBackOff\r\n    Ready:          False\r\n    Restart Count:  7\r\nEvents:           <none>\r\n"
            .to_vec(),
    );
    // A snapshot where every file is garbage.
    add("all-garbage/binary.bin", binary[..512].to_vec());
    add("all-garbage/pods.json", b"{\"items\": [1, 2,, 3]".to_vec());
    add(
        "all-garbage/pods.yaml",
        b"kind: [unclosed\n  - : :\n".to_vec(),
    );
    add(
        "all-garbage/notes.txt",
        b"the cluster was down when I ran this, sorry\n".to_vec(),
    );
    add("all-garbage/describe.txt", b"Name:\nNamespace:\n".to_vec());
    v.sort();
    v
}

/// Writes the small corpus into `dir`.
pub fn write_small(dir: &Path) {
    for (name, bytes) in small() {
        let p = dir.join(&name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// 1 MiB of zeros as one gzip member: repeated, a gzip stream of any length.
fn zeros_member() -> Vec<u8> {
    gzip(&vec![0u8; 1 << 20], true)
}

/// A `.tar.gz` whose one entry, a log, is `mib` MiB of zeros: a few KiB per GiB.
pub fn gzip_bomb(mib: u64) -> Vec<u8> {
    let h = header(
        "bomb/logs/zeros.log",
        tar::EntryType::Regular,
        mib << 20,
        None,
    );
    let mut out = gzip(h.as_bytes(), true);
    let member = zeros_member();
    for _ in 0..mib {
        out.extend_from_slice(&member);
    }
    out
}

/// A zip whose one member inflates to `mib` MiB of zeros (deflate blocks repeated; its
/// checksum is not that of the data, and reading must stop long before it is checked).
pub fn zip_bomb(mib: u64) -> Vec<u8> {
    use flate2::{Compress, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut chunk = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(1 << 20);
        c.compress_vec(input, &mut out, flush).unwrap();
        out
    };
    let first = chunk(&zeros, FlushCompress::Sync);
    let again = chunk(&zeros, FlushCompress::Sync);
    let third = chunk(&zeros, FlushCompress::Sync);
    assert_eq!(
        again, third,
        "a block of zeros after zeros is always the same"
    );
    let last = chunk(&[], FlushCompress::Finish);
    let mut data = first;
    for _ in 1..mib {
        data.extend_from_slice(&again);
    }
    data.extend_from_slice(&last);
    zip_of(&[ZipMember {
        name: "bomb/pods.json",
        data: &data,
        deflated: true,
        crc: 0,
        declared_size: (mib << 20).min(u64::from(u32::MAX - 1)) as u32,
    }])
}

/// A `.tar.gz` of `n` small YAML files.
pub fn many_files(n: usize) -> Vec<u8> {
    let bodies: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            (
                format!("many/cm-{i:05}.yaml"),
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: shop\n")
                    .into_bytes(),
            )
        })
        .collect();
    let files: Vec<(&str, &[u8])> = bodies
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    gzip(&tar_of(&files), true)
}

/// A log of one line of `mib` MiB.
pub fn one_line_log(mib: usize) -> Vec<u8> {
    let mut v = b"ERROR: ".to_vec();
    v.resize(mib << 20, b'x');
    v.push(b'\n');
    v
}

/// `kubectl describe pod` text with one event message of `mib` MiB.
pub fn describe_long_line(mib: usize) -> Vec<u8> {
    let mut v = b"Name:             api-1\nNamespace:        shop\nStatus:           Pending\nContainers:\n  api:\n    Image:          shop/api:1.0\nEvents:\n  Type     Reason            Age   From               Message\n  ----     ------            ----  ----               -------\n  Warning  FailedScheduling  5m    default-scheduler  0/3 nodes are available: ".to_vec();
    v.resize(v.len() + (mib << 20), b'y');
    v.extend_from_slice(b"\n");
    v
}

/// A PodList of about `mib` MiB (the same pod again and again, under new names).
pub fn big_pod_list(mib: usize) -> Vec<u8> {
    let mut s = String::from("{\"apiVersion\": \"v1\", \"kind\": \"PodList\", \"items\": [\n");
    let mut i = 0;
    while s.len() < mib << 20 {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p-{i}\", \"namespace\": \"shop\"}}, \"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"shop/api:1.0\"}}]}}, \"status\": {{\"phase\": \"Running\"}}}}"
        ));
        i += 1;
    }
    s.push_str("\n]}\n");
    s.into_bytes()
}
