//! KT-CRASH-003 module-not-found

use super::Cause;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds crashing containers whose log says a module, package or class is missing:
    /// `ModuleNotFoundError`, `ImportError`, Node.js `Cannot find module`, Java
    /// `ClassNotFoundException` / `NoClassDefFoundError`.
    ///
    /// ## Why is this bad?
    /// The image does not hold what the program imports, so it stops at start-up every
    /// time. It usually comes from a multi-stage Dockerfile that installs dependencies in
    /// the build stage but does not copy them to the final one, a missing entry in
    /// `requirements.txt`/`package.json`, or a class path that does not include the jar.
    ///
    /// ## Example
    /// ```text
    /// Traceback (most recent call last):
    ///   File "/app/main.py", line 3, in <module>
    ///     import fastapi
    /// ModuleNotFoundError: No module named 'fastapi'
    /// ```
    ///
    /// ## How to fix
    /// Install the dependency in the image's final stage (`pip install -r
    /// requirements.txt`, `npm ci --omit=dev`, or `COPY --from=build` the installed
    /// packages), add it to the dependency list if it is missing there, rebuild and push
    /// the image, and roll the workload out again.
    pub(crate) static RULE = {
        code: "KT-CRASH-003",
        name: "module-not-found",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::ModuleNotFound { module } = &found.cause else {
            continue;
        };
        let what = module
            .as_deref()
            .map_or("a module".to_string(), |m| format!("module {m}"));
        let image = super::image(&crash)
            .map(|i| format!(" of image {i}"))
            .unwrap_or_default();
        let message = super::exit_message(
            &crash,
            &found,
            &format!("{what} is not installed in the image"),
            &[],
        );
        let help = format!(
            "install {what} in the final stage{image} (`pip install -r requirements.txt`, \
             `npm ci`, or `COPY --from=<build stage>` the installed packages), rebuild it and \
             update `image` of {}{}",
            crash.who(),
            super::owner_phrase(cluster, &crash)
        );
        let cause = module.clone().unwrap_or_default();
        out.push(
            super::found_finding(&RULE, &crash, &found, message, help, cause)
                .evidence_opt(super::image_evidence(&crash)),
        );
    }
}
