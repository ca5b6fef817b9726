//! The engine's loop: phases coverage -> random -> negative -> auth -> stateful, within
//! budgets (examples per operation, requests, time), requests in parallel up to a bound
//! (a sequence stays in order), every response held to the rules, one finding per
//! (operation, rule, status), each shrunk before it is reported. Same seed, same requests.
//! Requests go through a `Sender`; a transport failure is retried once, and if it
//! persists it is an error of the run, never a finding.

use super::case::{Case, HttpRequest, HttpResponse, Intent, Phase};
use super::document::{Document, Location};
use super::generate::Rng;
use super::plan::Planner;
use super::rules::{self, Rule, Schemas, Verdict, Violation};
use super::{shrink, stateful};
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) type Sent = Pin<Box<dyn Future<Output = Result<HttpResponse, String>> + Send>>;

/// Sends one request and reads its answer; `Err` when no answer came.
pub(crate) trait Sender: Send + Sync + 'static {
    fn send(&self, req: HttpRequest) -> Sent;
}

#[derive(Debug, Clone)]
pub(crate) struct Budget {
    /// Random cases per operation; coverage and negative phases get up to 3x and 2x.
    pub max_examples: usize,
    pub max_requests: usize,
    pub time: Duration,
    pub concurrency: usize,
    /// Requests spent shrinking one finding.
    pub shrink_requests: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_examples: 25,
            max_requests: 20_000,
            time: Duration::from_secs(60),
            concurrency: 8,
            shrink_requests: 16,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub seed: u64,
    pub budget: Budget,
    /// Headers every request carries (the check's `headers`).
    pub headers: Vec<(String, String)>,
    /// For the `curl` commands of findings.
    pub base_url: String,
    /// The phases that run (the order is fixed).
    pub phases: Vec<Phase>,
    /// Findings not reported.
    pub ignore: Vec<Silence>,
    /// Credentials by security scheme (the check's `auth`): each sent only where an
    /// operation's security requires its scheme, and not by the cases sent without them.
    pub auth: Vec<Applied>,
}

/// One credential of a security scheme, as it is sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Applied {
    pub scheme: String,
    pub at: super::document::Credential,
    /// The header, query or cookie value (`Bearer …`, `Basic …` for `http` schemes).
    pub value: String,
}

/// A rule switched off: for one operation (`METHOD /path` or its operationId) or all, for
/// one status or all.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Silence {
    pub rule: Rule,
    pub operation: Option<String>,
    pub status: Option<u16>,
}

impl Silence {
    /// Whether this silences `rule` broken with `status` by `case` (of `op`): an operation
    /// is named by its operationId or `METHOD /path`, the method being the one sent (an
    /// unlisted method's request has no operationId).
    pub(crate) fn covers(
        &self,
        op: &super::document::Operation,
        case: &Case,
        rule: Rule,
        status: u16,
    ) -> bool {
        let unlisted = matches!(case.intent, Intent::UnlistedMethod { .. });
        self.rule == rule
            && self.status.is_none_or(|s| s == status)
            && self.operation.as_ref().is_none_or(|o| {
                (!unlisted && op.operation_id.as_ref() == Some(o))
                    || label(op, case).eq_ignore_ascii_case(o)
            })
    }
}

/// `METHOD /path` of the request `case` makes.
fn label(op: &super::document::Operation, case: &Case) -> String {
    match &case.intent {
        Intent::UnlistedMethod { method, .. } => format!("{method} {}", op.path),
        _ => op.label(),
    }
}

/// One broken rule, with what a person needs to act on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    /// The operation's index in the document (for an unlisted method, the path's first
    /// selected operation's).
    pub op: usize,
    /// `METHOD /path` of the request that broke the rule.
    pub operation: String,
    pub rule: Rule,
    pub status: u16,
    pub detail: String,
    pub curl: String,
    pub content_type: Option<String>,
    pub excerpt: String,
    pub phase: Phase,
    /// Requests the shrinking phase spent reducing the case.
    pub shrunk: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OpStats {
    pub operation: String,
    pub sent: usize,
    pub valid: usize,
    /// Valid cases answered 4xx: the operation was not exercised by them.
    pub valid_rejected: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Report {
    pub seed: u64,
    pub findings: Vec<Finding>,
    pub operations: Vec<OpStats>,
    pub requests: usize,
    /// Generated values dropped because they did not fit their schema.
    pub dropped: usize,
    /// Requests that got no answer, even on a second try.
    pub transport_errors: Vec<String>,
    /// The budget that ended the run early, if one did.
    pub exhausted: Option<&'static str>,
}

struct Pending {
    case: Case,
    req: HttpRequest,
    resp: HttpResponse,
    violation: Violation,
}

struct Run<'d> {
    doc: &'d Document,
    opts: &'d Options,
    sender: Arc<dyn Sender>,
    planner: Planner<'d>,
    schemas: Schemas,
    started: Instant,
    report: Report,
    seen: HashSet<(usize, Rule, u16)>,
    /// Requests already sent by a phase: an identical one is not sent again.
    fresh: HashSet<String>,
    pending: Vec<Pending>,
}

/// Tests the `selected` operations of `doc`.
pub(crate) async fn run(
    doc: &Document,
    selected: &[usize],
    opts: &Options,
    sender: Arc<dyn Sender>,
) -> Report {
    let mut r = Run {
        doc,
        opts,
        sender,
        planner: Planner::new(doc),
        schemas: Schemas::default(),
        started: Instant::now(),
        report: Report {
            seed: opts.seed,
            operations: doc
                .operations
                .iter()
                .map(|o| OpStats {
                    operation: o.label(),
                    ..OpStats::default()
                })
                .collect(),
            ..Report::default()
        },
        seen: HashSet::new(),
        fresh: HashSet::new(),
        pending: Vec::new(),
    };
    let b = &opts.budget;
    for phase in [Phase::Coverage, Phase::Random, Phase::Negative] {
        if !opts.phases.contains(&phase) {
            continue;
        }
        let mut cases = Vec::new();
        for &i in selected {
            let mut rng = Rng::new(opts.seed ^ (i as u64).wrapping_mul(0x9E37_79B9) ^ phase as u64);
            cases.extend(match phase {
                Phase::Coverage => r.planner.coverage(i, &mut rng, 3 * b.max_examples),
                Phase::Random => r.planner.random(i, &mut rng, b.max_examples),
                _ => r.planner.negative(i, &mut rng, 2 * b.max_examples),
            });
        }
        if phase == Phase::Negative {
            for &i in selected
                .iter()
                .filter(|&&i| !doc.operations[i].credentials.is_empty())
            {
                let mut c = r.planner.base(i, &mut Rng::new(opts.seed));
                c.without_credentials = true;
                c.phase = Phase::Negative;
                cases.push(c);
            }
            cases.extend(
                r.planner
                    .unlisted(selected, &mut Rng::new(opts.seed ^ 0x405)),
            );
        }
        let mut unique = Vec::new();
        for c in cases {
            let key = format!("{}{:?}", c.without_credentials, r.render(&c));
            if r.fresh.insert(key) {
                unique.push(c);
            }
        }
        r.batch(unique).await;
    }
    if opts.phases.contains(&Phase::Stateful) {
        r.stateful(selected).await;
    }
    r.shrink().await;
    r.report.dropped = r.planner.checker.dropped;
    r.report
}

/// What a request cut by the end of the time budget gets: the run ends there, and the
/// request is neither judged nor a transport failure (the service was not slow to answer
/// it; the budget was spent).
const BUDGET_ENDED: &str = "no answer before the check's time budget ended";

/// Sends `req`, once more on a fresh connection if it got no answer (the failed one is
/// out of the pool), waiting at most `left`: the run's time budget bounds every wait.
async fn send_retry(
    sender: Arc<dyn Sender>,
    req: HttpRequest,
    left: Duration,
) -> Result<HttpResponse, String> {
    let tries = async {
        match sender.send(req.clone()).await {
            Ok(r) => Ok(r),
            Err(_) => sender.send(req).await,
        }
    };
    tokio::time::timeout(left, tries)
        .await
        .unwrap_or_else(|_| Err(BUDGET_ENDED.into()))
}

impl Run<'_> {
    fn out_of_budget(&mut self) -> bool {
        let b = &self.opts.budget;
        if self.report.requests >= b.max_requests {
            self.report.exhausted = Some("requests");
        } else if self.started.elapsed() >= b.time {
            self.report.exhausted = Some("time");
        }
        self.report.exhausted.is_some()
    }

    /// What is left of the time budget.
    fn left(&self) -> Duration {
        self.opts.budget.time.saturating_sub(self.started.elapsed())
    }

    fn render(&self, case: &Case) -> HttpRequest {
        case.render_with(
            &self.doc.operations[case.op],
            &self.doc.base_path,
            &self.opts.headers,
            &self.opts.auth,
        )
    }

    /// Sends cases in parallel (bounded) and judges each answer, in case order.
    async fn batch(&mut self, cases: Vec<Case>) -> Vec<Option<HttpResponse>> {
        let mut answers = Vec::new();
        for chunk in cases.chunks(self.opts.budget.concurrency.max(1)) {
            if self.out_of_budget() {
                break;
            }
            let reqs: Vec<HttpRequest> = chunk.iter().map(|c| self.render(c)).collect();
            let mut set = tokio::task::JoinSet::new();
            let left = self.left();
            for (i, req) in reqs.iter().enumerate() {
                let s = self.sender.clone();
                let req = req.clone();
                set.spawn(async move { (i, send_retry(s, req, left).await) });
            }
            let mut got: Vec<Option<Result<HttpResponse, String>>> = vec![None; chunk.len()];
            while let Some(joined) = set.join_next().await {
                if let Ok((i, res)) = joined {
                    got[i] = Some(res);
                }
            }
            self.report.requests += chunk.len();
            for ((case, req), res) in chunk.iter().zip(reqs).zip(got) {
                match res {
                    Some(Ok(resp)) => {
                        self.judge(case, &req, &resp);
                        answers.push(Some(resp));
                    }
                    Some(Err(e)) if e == BUDGET_ENDED => {
                        self.report.exhausted = Some("time");
                        answers.push(None);
                    }
                    Some(Err(e)) => {
                        self.transport(&req, &e);
                        answers.push(None);
                    }
                    None => {
                        self.transport(&req, "the request's task ended without an answer");
                        answers.push(None);
                    }
                }
            }
        }
        answers
    }

    async fn one(&mut self, case: Case) -> Option<HttpResponse> {
        self.batch(vec![case]).await.pop().flatten()
    }

    fn transport(&mut self, req: &HttpRequest, e: &str) {
        self.report
            .transport_errors
            .push(format!("{} {}: {e}", req.method, req.target));
    }

    fn judge(&mut self, case: &Case, req: &HttpRequest, resp: &HttpResponse) -> Verdict {
        let op = &self.doc.operations[case.op];
        let v = rules::check(op, case, resp, &mut self.schemas);
        // An unlisted method is not a call of the operation: its statistics are about its
        // own method.
        if !matches!(case.intent, Intent::UnlistedMethod { .. }) {
            let stats = &mut self.report.operations[case.op];
            stats.sent += 1;
            if case.intent == Intent::Valid && !case.without_credentials {
                stats.valid += 1;
                stats.valid_rejected += usize::from(v.rejected_valid);
            }
        }
        for violation in &v.violations {
            self.record(case, req, resp, violation.clone());
        }
        v
    }

    fn record(
        &mut self,
        case: &Case,
        req: &HttpRequest,
        resp: &HttpResponse,
        violation: Violation,
    ) {
        let op = &self.doc.operations[case.op];
        if self
            .opts
            .ignore
            .iter()
            .any(|s| s.covers(op, case, violation.rule, resp.status))
        {
            return;
        }
        if self.seen.insert((case.op, violation.rule, resp.status)) {
            self.pending.push(Pending {
                case: case.clone(),
                req: req.clone(),
                resp: resp.clone(),
                violation,
            });
        }
    }

    async fn stateful(&mut self, selected: &[usize]) {
        let links: Vec<stateful::Link> = stateful::links(self.doc)
            .into_iter()
            .filter(|l| selected.contains(&l.from) && selected.contains(&l.to))
            .collect();
        let mut froms: Vec<usize> = links.iter().map(|l| l.from).collect();
        froms.dedup();
        let order = |m: &str| {
            ["get", "put", "patch", "delete"]
                .iter()
                .position(|x| *x == m)
                .unwrap_or(9)
        };
        for from in froms {
            if self.out_of_budget() {
                return;
            }
            let mut rng = Rng::new(self.opts.seed ^ 0x5eed ^ from as u64);
            let mut create = self.planner.base(from, &mut rng);
            create.phase = Phase::Stateful;
            let Some(made) = self.one(create).await else {
                continue;
            };
            if !(200..300).contains(&made.status) {
                continue;
            }
            let mut targets: Vec<&stateful::Link> =
                links.iter().filter(|l| l.from == from).collect();
            targets.sort_by_key(|l| order(&self.doc.operations[l.to].method));
            let mut read: Option<Case> = None;
            for link in targets {
                let Some(value) = stateful::extract(&link.source, &made) else {
                    continue;
                };
                let mut c = self.planner.base(link.to, &mut rng);
                c.phase = Phase::Stateful;
                c.params
                    .retain(|(l, n, _)| !(*l == Location::Path && *n == link.param));
                c.params.push((Location::Path, link.param.clone(), value));
                let method = self.doc.operations[link.to].method.clone();
                // The same call without credentials first, on a resource that exists: a
                // refusal then says the credentials were checked, not that the id was unknown.
                if !self.doc.operations[link.to].credentials.is_empty() {
                    let mut bare = c.clone();
                    bare.without_credentials = true;
                    self.one(bare).await;
                }
                let req = self.render(&c);
                let Some(resp) = self.one(c.clone()).await else {
                    continue;
                };
                if method == "get" {
                    read = Some(c.clone());
                    if resp.status == 404 {
                        let detail = format!(
                            "404 for the resource the first request created ({} {})",
                            made.status,
                            self.doc.operations[from].label()
                        );
                        self.record(
                            &c,
                            &req,
                            &resp,
                            Violation {
                                rule: Rule::EnsureResourceAvailability,
                                detail,
                            },
                        );
                    }
                }
                if method == "delete"
                    && (200..300).contains(&resp.status)
                    && let Some(r) = read.clone()
                {
                    let req = self.render(&r);
                    if let Some(after) = self.one(r.clone()).await
                        && (200..300).contains(&after.status)
                    {
                        let detail = format!(
                            "{} for a resource deleted with {}",
                            after.status, resp.status
                        );
                        self.record(
                            &r,
                            &req,
                            &after,
                            Violation {
                                rule: Rule::UseAfterFree,
                                detail,
                            },
                        );
                    }
                }
            }
        }
    }

    async fn shrink(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let mut done = Vec::new();
        for p in pending {
            let (rule, status) = (p.violation.rule, p.resp.status);
            let mut best = p;
            let mut spent = 0;
            let shrinkable = !matches!(
                rule,
                Rule::UseAfterFree | Rule::EnsureResourceAvailability | Rule::UnsupportedMethod
            );
            'outer: while shrinkable && spent < self.opts.budget.shrink_requests {
                for cand in shrink::candidates(&self.doc.operations[best.case.op], &best.case) {
                    if spent >= self.opts.budget.shrink_requests || self.out_of_budget() {
                        break 'outer;
                    }
                    if !self.planner.keeps_intent(&cand) {
                        continue;
                    }
                    spent += 1;
                    let req = self.render(&cand);
                    self.report.requests += 1;
                    let Ok(resp) = send_retry(self.sender.clone(), req.clone(), self.left()).await
                    else {
                        continue;
                    };
                    let v = rules::check(
                        &self.doc.operations[cand.op],
                        &cand,
                        &resp,
                        &mut self.schemas,
                    );
                    if resp.status == status
                        && let Some(same) = v.violations.into_iter().find(|x| x.rule == rule)
                    {
                        best = Pending {
                            case: cand,
                            req,
                            resp,
                            violation: same,
                        };
                        continue 'outer;
                    }
                }
                break;
            }
            done.push((best, spent));
        }
        for (p, spent) in done {
            self.report.findings.push(Finding {
                op: p.case.op,
                operation: label(&self.doc.operations[p.case.op], &p.case),
                rule: p.violation.rule,
                status: p.resp.status,
                detail: p.violation.detail,
                curl: p.req.curl(&self.opts.base_url),
                content_type: p.resp.header("content-type").map(str::to_string),
                excerpt: p.resp.excerpt(),
                phase: p.case.phase,
                shrunk: spent,
            });
        }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
