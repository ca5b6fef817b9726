//! Everything a check may touch while it runs; nothing global. A check's requests go
//! through the methods here, which hand the context's client, base URL and body limit to
//! the HTTP layer (`crate::http`).

use crate::http::{self, Activity, BodyLimit, Built, RequestError, Response, Started};
use crate::instance::LogBuffer;
use crate::suite::{RequestSpec, Scope};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) struct CheckContext {
    /// Where `path` requests go.
    pub base_url: String,
    pub client: reqwest::Client,
    /// vars, harden's own variables and `setup` captures.
    pub scope: Scope,
    /// Directory relative paths resolve against.
    pub suite_dir: PathBuf,
    /// The instance's output, when harden started the service.
    pub logs: Option<Arc<LogBuffer>>,
    /// The suite's secrets: masked in what a check shows, looked for in the service's
    /// output, and told of each capture (a capture the suite names secret joins them).
    pub redactor: Arc<crate::redact::Redactor>,
    /// How much of the service's answers a check reads.
    pub limits: crate::suite::Limits,
    /// What the check is waiting for now, so that a timeout can say what did not answer.
    pub activity: Activity,
    /// Where the check says how far it has got, for a live display (silent without one).
    pub progress: crate::check::ProgressSink,
}

impl CheckContext {
    /// How much of a response's body a check reads (`limits.body`).
    pub(crate) fn body_limit(&self) -> BodyLimit {
        BodyLimit {
            bytes: self.limits.body,
            setting: "limits.body",
        }
    }

    /// A suite's request expanded against `scope`, ready to send.
    /// Its label and description have every secret masked already, in the form the suite
    /// wrote it (before the URL is encoded).
    pub(crate) fn build(&self, req: &RequestSpec, scope: &Scope) -> Result<Built, RequestError> {
        let mut built = http::build(req, &self.client, &self.base_url, scope)
            .map_err(|e| self.mask_error(e))?;
        self.redactor.text(&mut built.label);
        self.redactor.text(&mut built.sent);
        Ok(built)
    }

    fn mask_error(&self, e: RequestError) -> RequestError {
        match e {
            RequestError::Invalid(mut m) => {
                self.redactor.text(&mut m);
                RequestError::Invalid(m)
            }
            other => other,
        }
    }

    /// Builds and sends one request and waits for the response's head.
    pub(crate) async fn begin(
        &self,
        req: &RequestSpec,
        scope: &Scope,
    ) -> Result<Started, RequestError> {
        http::begin(&self.client, self.build(req, scope)?, &self.activity).await
    }

    /// Builds and sends one request and reads its answer, at most `limits.body` of body.
    pub(crate) async fn send(
        &self,
        req: &RequestSpec,
        scope: &Scope,
    ) -> Result<Response, RequestError> {
        self.send_built(self.build(req, scope)?).await
    }

    /// Sends a request `build` made and reads its answer, at most `limits.body` of body.
    pub(crate) async fn send_built(&self, built: Built) -> Result<Response, RequestError> {
        let mut r = http::send(&self.client, built, self.body_limit(), &self.activity).await?;
        r.redactor = Some(self.redactor.clone());
        Ok(r)
    }

    /// A built request's label without the base URL, as a person reads it: `POST /login`.
    pub(crate) fn short_label(&self, built: &Built) -> String {
        let base = self.base_url.trim_end_matches('/');
        match built.label.split_once(' ') {
            Some((method, url)) if !base.is_empty() && url.starts_with(base) => {
                let path = &url[base.len()..];
                format!("{method} {}", if path.is_empty() { "/" } else { path })
            }
            _ => built.label.clone(),
        }
    }

    /// A plain `GET path` against the service (health endpoints, metrics).
    pub(crate) async fn get(&self, path: &str) -> Result<Response, RequestError> {
        let url = format!("{}{path}", self.base_url.trim_end_matches('/'));
        let built = http::Plain::new(reqwest::Method::GET, url).build(&self.client)?;
        http::send(&self.client, built, self.body_limit(), &self.activity).await
    }
}
