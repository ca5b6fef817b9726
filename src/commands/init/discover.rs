//! Where `init` finds the document: a file, a URL (bounded), or the service itself,
//! started as harden would, read at its document path.

use crate::cli::InitArgs;
use crate::error::Error;
use crate::instance::{Instance, wait_ready};
use crate::suite::{InstanceSpec, ReadyProbe, ReadySpec, StatusMatcher, StopSpec, Template};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The largest OpenAPI document `init` reads (as `limits.body` does for a check).
const DOCUMENT_LIMIT: u64 = 16 * 1024 * 1024;

/// What was learned of the service.
pub(super) struct Found {
    pub raw: Value,
    /// Where the document came from, for the suite's first comment.
    pub source: String,
    pub metrics: bool,
    /// The document file, when it came from one.
    pub file: Option<PathBuf>,
    /// The path the service serves its document at (a guess for a file).
    pub document_path: String,
}

/// The document's text as JSON (or YAML) data.
fn parse(text: &str) -> Result<Value, String> {
    crate::openapi::document::parse(text).map_err(|e| e.to_string())
}

pub(super) async fn discover(args: &InitArgs) -> Result<Found, Error> {
    let client = crate::http::client();
    let limit = DOCUMENT_LIMIT;
    match (&args.command, &args.from_openapi) {
        (Some(cmd), from) => {
            let path = from
                .as_deref()
                .filter(|p| p.starts_with('/'))
                .unwrap_or("/openapi.json");
            from_service(cmd, path, &client).await
        }
        (None, Some(src)) if src.starts_with("http://") || src.starts_with("https://") => {
            let raw = fetch(&client, src, limit).await?;
            Ok(Found {
                document_path: url_path(src),
                raw,
                source: src.clone(),
                metrics: false,
                file: None,
            })
        }
        (None, Some(file)) => {
            let text = crate::read::text(std::path::Path::new(file), limit)
                .map_err(|e| Error::Usage(format!("cannot read `{file}`: {e}")))?;
            let raw = parse(&text).map_err(|e| Error::Usage(format!("`{file}`: {e}")))?;
            Ok(Found {
                raw,
                source: file.clone(),
                metrics: false,
                file: Some(PathBuf::from(file)),
                document_path: "/openapi.json".into(),
            })
        }
        (None, None) => Err(Error::Usage(
            "give --from-openapi FILE|URL or --command \"...\"".into(),
        )),
    }
}

async fn fetch(client: &reqwest::Client, url: &str, limit: u64) -> Result<Value, Error> {
    let fail = |reason: String| Error::Fetch {
        url: url.to_string(),
        reason,
    };
    let mut resp = client
        .get(url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| fail(crate::reason::chain(&e)))?;
    if !resp.status().is_success() {
        return Err(fail(format!("it answered {}", resp.status().as_u16())));
    }
    let mut bytes = Vec::new();
    crate::http::stream_body(&mut resp, limit, |chunk| {
        bytes.extend_from_slice(chunk);
        Ok(())
    })
    .await
    .map_err(|e| match e {
        crate::http::BodyError::TooLarge => {
            fail(format!("it is larger than {}", crate::read::size(limit)))
        }
        crate::http::BodyError::Failed(why) => fail(why),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))?;
    parse(&text).map_err(fail)
}

/// Starts the service as harden would (supervised, on a free port), reads its document
/// and whether `/metrics` answers, and stops it.
async fn from_service(cmd: &str, doc_path: &str, client: &reqwest::Client) -> Result<Found, Error> {
    let here = std::env::current_dir().unwrap_or_default();
    let spec = InstanceSpec {
        command: vec![
            Template::literal("sh"),
            Template::literal("-c"),
            Template::literal(cmd),
        ],
        dir: here,
        cwd: None,
        env: Vec::new(),
        port: None,
        ready: ReadySpec {
            probe: ReadyProbe::Http {
                path: Template::literal(doc_path),
                status: StatusMatcher::new(vec![(200, 299)], "2xx".into()),
            },
            timeout: Duration::from_secs(60),
        },
        stop: StopSpec {
            signal: nix::sys::signal::Signal::SIGTERM,
            grace: Duration::from_secs(5),
        },
    };
    let logs = tempfile::tempdir().map_err(|e| Error::io("create a temporary directory", &e))?;
    let kill = tokio_util::sync::CancellationToken::new();
    let mut inst = Instance::start(
        &spec,
        "main",
        &Default::default(),
        None,
        logs.path(),
        Default::default(),
        kill.clone(),
    )
    .await
    .map_err(|e| Error::Instance(format!("cannot start `{cmd}`: {}", e.message)))?;
    let ready = wait_ready(&inst, &spec.ready, client, &kill).await;
    let result = match ready {
        Err(why) => Err(Error::Instance(format!(
            "`{cmd}` did not serve {doc_path}: {}\n{}",
            why.describe(spec.ready.timeout),
            inst.log_tail().join("\n")
        ))),
        Ok(_) => {
            let url = format!("{}{doc_path}", inst.base_url);
            match fetch(client, &url, DOCUMENT_LIMIT).await {
                Ok(raw) => {
                    let metrics = client
                        .get(format!("{}/metrics", inst.base_url))
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    Ok(Found {
                        raw,
                        source: format!("`{cmd}` ({doc_path})"),
                        metrics,
                        file: None,
                        document_path: doc_path.to_string(),
                    })
                }
                Err(e) => Err(e),
            }
        }
    };
    inst.stop(&spec, spec.stop.grace).await;
    result
}

/// The path of a URL: `http://h:1/api/openapi.json` -> `/api/openapi.json`.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = rest
        .find('/')
        .map(|i| &rest[i..])
        .unwrap_or("/openapi.json");
    path.split(['?', '#'])
        .next()
        .unwrap_or("/openapi.json")
        .to_string()
}
