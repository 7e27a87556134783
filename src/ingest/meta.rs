//! Metadata files of the layouts: collector versions, Kubernetes version, capture time.

use super::Fact;
use jiff::civil::DateTime;
use jiff::Timestamp;

/// Finds a capture time in a folder or archive name, as collectors write them:
/// `support-bundle-2024-01-02T15_04_05`, `supportbundle_<uuid>_2022-03-22T23-49-32Z`.
pub fn timestamp_in_name(name: &str) -> Option<Timestamp> {
    let b = name.as_bytes();
    for i in 0..b.len().saturating_sub(18) {
        let w = &b[i..i + 19];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        if digits(0..4)
            && w[4] == b'-'
            && digits(5..7)
            && w[7] == b'-'
            && digits(8..10)
            && w[10] == b'T'
            && digits(11..13)
            && matches!(w[13], b'_' | b':' | b'-')
            && digits(14..16)
            && matches!(w[16], b'_' | b':' | b'-')
            && digits(17..19)
        {
            let s = std::str::from_utf8(w).ok()?;
            let norm = format!("{} {}:{}:{}", &s[..10], &s[11..13], &s[14..16], &s[17..19]);
            let dt: DateTime = norm.parse().ok()?;
            return dt
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
        }
    }
    None
}

/// Parses a metadata file; returns the facts and a short description for the ledger.
pub fn read(kind: super::layout::MetaFile, text: &str) -> Result<(Vec<Fact>, String), String> {
    use super::layout::MetaFile::*;
    match kind {
        TroubleshootVersion => {
            let v: serde_json::Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
            let version = v["spec"]["versionNumber"]
                .as_str()
                .unwrap_or("unknown version");
            Ok((
                vec![Fact::Collector(format!("troubleshoot {version}"))],
                format!("support bundle written by troubleshoot {version}"),
            ))
        }
        ClusterVersion => {
            let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let version = v["info"]["gitVersion"]
                .as_str()
                .or(v["string"].as_str())
                .ok_or("no gitVersion in the file")?;
            Ok((
                vec![Fact::KubernetesVersion(version.to_string())],
                format!("Kubernetes {version}"),
            ))
        }
        SbkMetadata => {
            let v: serde_json::Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
            let mut facts = Vec::new();
            if let Some(k) = v["kubernetesversion"].as_str() {
                facts.push(Fact::KubernetesVersion(k.to_string()));
            }
            if let Some(at) = v["bundlecreatedat"]
                .as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
            {
                facts.push(Fact::CapturedAt(at, "metadata.yaml bundlecreatedat".into()));
            }
            let version = v["bundleversion"].as_str().unwrap_or("unknown version");
            facts.push(Fact::Collector(format!("support-bundle-kit {version}")));
            Ok((
                facts,
                format!("support bundle written by support-bundle-kit {version}"),
            ))
        }
        MustGatherTimestamp => {
            // "2021-08-03 09:26:39.81 +0000 UTC m=+0.123": start and end of the gather.
            let newest = text
                .lines()
                .filter_map(|l| {
                    let mut parts = l.split_whitespace();
                    let date = parts.next()?;
                    let time = parts.next()?;
                    let off = parts.next()?;
                    let s = format!("{date}T{time}{}", fmt_offset(off)?);
                    s.parse::<Timestamp>().ok()
                })
                .max()
                .ok_or("no timestamp in the file")?;
            Ok((
                vec![Fact::CapturedAt(
                    newest,
                    "must-gather timestamp file".into(),
                )],
                "time of the gather".into(),
            ))
        }
        MustGatherVersion => {
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let tool = lines.next().unwrap_or("must-gather").to_string();
            let version = lines.next().unwrap_or("").to_string();
            let mut facts = vec![Fact::Collector(
                format!("{tool} {version}").trim().to_string(),
            )];
            if !version.is_empty() {
                facts.push(Fact::KubernetesVersion(format!("OpenShift {version}")));
            }
            Ok((
                facts,
                format!("gathered with {tool} {version}").trim().to_string(),
            ))
        }
    }
}

fn fmt_offset(off: &str) -> Option<String> {
    // "+0000" -> "+00:00"
    let b = off.as_bytes();
    if b.len() == 5 && matches!(b[0], b'+' | b'-') {
        Some(format!("{}:{}", &off[..3], &off[3..]))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            timestamp_in_name("support-bundle-2024-01-02T15_04_05")
                .unwrap()
                .to_string(),
            "2024-01-02T15:04:05Z"
        );
        assert_eq!(
            timestamp_in_name("supportbundle_9b6b_2022-03-22T23-49-32Z")
                .unwrap()
                .to_string(),
            "2022-03-22T23:49:32Z"
        );
        assert!(timestamp_in_name("support-bundle").is_none());
    }

    #[test]
    fn must_gather_timestamp() {
        let (facts, _) = read(
            super::super::layout::MetaFile::MustGatherTimestamp,
            "2021-08-03 09:21:39.81 +0000 UTC m=+0.1\n2021-08-03 09:26:39.81 +0000 UTC m=+300.1\n",
        )
        .unwrap();
        assert_eq!(
            facts[0],
            Fact::CapturedAt(
                "2021-08-03T09:26:39.81Z".parse().unwrap(),
                "must-gather timestamp file".into()
            )
        );
    }
}
