use super::*;
use serde_json::{Value, json};
use std::sync::Mutex;

/// A service written as a function of the request, recording what it was sent.
struct Service<F: Fn(&HttpRequest) -> Result<HttpResponse, String> + Send + Sync + 'static> {
    answer: F,
    seen: Arc<Mutex<Vec<HttpRequest>>>,
}

impl<F: Fn(&HttpRequest) -> Result<HttpResponse, String> + Send + Sync + 'static> Sender
    for Service<F>
{
    fn send(&self, req: HttpRequest) -> Sent {
        if let Ok(mut s) = self.seen.lock() {
            s.push(req.clone());
        }
        let out = (self.answer)(&req);
        Box::pin(async move { out })
    }
}

fn json_resp(status: u16, body: Value) -> Result<HttpResponse, String> {
    Ok(HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    })
}

fn doc() -> Document {
    Document::new(json!({"openapi": "3.1.0", "paths": {"/orders": {"post": {
        "parameters": [{"name": "note", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
            "required": ["qty"], "properties": {"qty": {"type": "integer", "minimum": 1, "maximum": 50}}}}}},
        "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {"type": "object"}}}},
            "422": {"description": "invalid", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}))
    .unwrap()
}

/// A 405 naming `allowed` when the request's method is not one of them, as a router does.
fn refuse_others(req: &HttpRequest, allowed: &[&str]) -> Option<Result<HttpResponse, String>> {
    (!allowed.contains(&req.method.as_str())).then(|| {
        Ok(HttpResponse {
            status: 405,
            headers: vec![("allow".into(), allowed.join(", "))],
            body: vec![],
        })
    })
}

fn qty(req: &HttpRequest) -> Option<i64> {
    let body: Value = serde_json::from_slice(req.body.as_deref()?).ok()?;
    body.get("qty")?.as_i64()
}

/// Validates like a careful server, but crashes at the documented maximum.
fn crashes_at_the_maximum(req: &HttpRequest) -> Result<HttpResponse, String> {
    if let Some(r) = refuse_others(req, &["POST"]) {
        return r;
    }
    match qty(req) {
        Some(50) => Ok(HttpResponse {
            status: 500,
            headers: vec![],
            body: b"boom".to_vec(),
        }),
        Some(q)
            if (1..=50).contains(&q)
                && req
                    .headers
                    .iter()
                    .any(|(k, v)| k == "content-type" && v == "application/json") =>
        {
            json_resp(201, json!({"qty": q}))
        }
        _ => json_resp(422, json!({"detail": "invalid"})),
    }
}

fn opts(seed: u64) -> Options {
    Options {
        seed,
        budget: Budget::default(),
        headers: vec![],
        base_url: "http://127.0.0.1:9".into(),
        phases: Phase::ALL.to_vec(),
        ignore: vec![],
        auth: vec![],
    }
}

async fn run_with<F>(answer: F, seed: u64) -> (Report, Vec<HttpRequest>)
where
    F: Fn(&HttpRequest) -> Result<HttpResponse, String> + Send + Sync + 'static,
{
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = Arc::new(Service {
        answer,
        seen: seen.clone(),
    });
    let report = run(&doc(), &[0], &opts(seed), service).await;
    let sent = seen.lock().unwrap().clone();
    (report, sent)
}

#[tokio::test]
async fn a_crash_at_the_maximum_is_found_and_shrunk() {
    let (report, _) = run_with(crashes_at_the_maximum, 1).await;
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::NotAServerError)
        .expect("a finding");
    assert_eq!(f.status, 500);
    assert_eq!(f.operation, "POST /orders");
    // Shrunk: the optional query parameter dropped.
    assert_eq!(
        f.curl,
        "curl -X POST 'http://127.0.0.1:9/orders' -H 'content-type: application/json' --data-raw '{\"qty\":50}'"
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == Rule::StatusCodeConformance && f.status == 500)
    );
}

#[tokio::test]
async fn a_careful_service_gives_no_finding() {
    let (report, _) = run_with(
        |req| match qty(req) {
            _ if req.method != "POST" => refuse_others(req, &["POST"]).unwrap(),
            Some(q)
                if (1..=50).contains(&q)
                    && req
                        .headers
                        .iter()
                        .any(|(k, v)| k == "content-type" && v == "application/json") =>
            {
                json_resp(201, json!({}))
            }
            _ => json_resp(422, json!({})),
        },
        3,
    )
    .await;
    assert_eq!(report.findings, vec![]);
    assert!(report.requests > 20);
    assert_eq!(report.operations[0].valid_rejected, 0);
}

#[tokio::test]
async fn invalid_data_accepted_is_found() {
    let (report, _) = run_with(|_| json_resp(201, json!({})), 3).await;
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::NegativeDataRejection)
        .expect("a finding");
    assert_eq!(f.status, 201);
}

#[tokio::test]
async fn the_same_seed_sends_the_same_requests() {
    let (_, a) = run_with(crashes_at_the_maximum, 42).await;
    let (_, b) = run_with(crashes_at_the_maximum, 42).await;
    let (_, c) = run_with(crashes_at_the_maximum, 43).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test]
async fn a_transport_failure_is_retried_once_then_an_error_not_a_finding() {
    let calls = Arc::new(Mutex::new(0usize));
    let counted = calls.clone();
    // Every other attempt fails: each request succeeds on its retry.
    let (report, _) = run_with(
        move |req| {
            let mut n = counted.lock().unwrap();
            *n += 1;
            if *n % 2 == 1 {
                Err("connection reset by peer".into())
            } else {
                crashes_at_the_maximum(req)
            }
        },
        1,
    )
    .await;
    assert!(
        report.transport_errors.is_empty(),
        "{:?}",
        report.transport_errors
    );
    let (report, _) = run_with(|_| Err("connection refused".into()), 1).await;
    assert!(!report.transport_errors.is_empty());
    assert_eq!(report.findings, vec![]);
}

#[tokio::test]
async fn the_request_budget_ends_the_run() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = Arc::new(Service {
        answer: crashes_at_the_maximum,
        seen,
    });
    let mut o = opts(1);
    o.budget.max_requests = 10;
    let report = run(&doc(), &[0], &o, service).await;
    assert_eq!(report.exhausted, Some("requests"));
    assert!(report.requests <= 10 + o.budget.concurrency);
}

fn crud() -> Document {
    Document::new(json!({"openapi": "3.1.0", "paths": {
        "/notes": {"post": {"responses": {"201": {"description": "made", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"id": {"type": "integer"}}}}}}}}},
        "/notes/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "none"}}},
            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "none"}}}}}}))
    .unwrap()
}

/// A store of notes: `keep` forgets nothing on DELETE, `lose` never finds what it made.
fn notes(
    keep: bool,
    lose: bool,
) -> impl Fn(&HttpRequest) -> Result<HttpResponse, String> + Send + Sync + 'static {
    let store = Arc::new(Mutex::new(std::collections::HashSet::new()));
    move |req| {
        let mut s = store.lock().unwrap();
        let id = req
            .target
            .strip_prefix("/notes/")
            .and_then(|i| i.parse::<u64>().ok());
        let empty = |status| {
            Ok(HttpResponse {
                status,
                headers: vec![],
                body: vec![],
            })
        };
        let listed: &[&str] = if req.target.starts_with("/notes/") {
            &["GET", "DELETE"]
        } else {
            &["POST"]
        };
        if let Some(r) = refuse_others(req, listed) {
            return r;
        }
        match (req.method.as_str(), id) {
            ("POST", _) => {
                let id = s.len() as u64 + 1000;
                if !lose {
                    s.insert(id);
                }
                json_resp(201, json!({"id": id}))
            }
            ("GET", Some(id)) if s.contains(&id) => empty(200),
            ("DELETE", Some(id)) if s.contains(&id) => {
                if !keep {
                    s.remove(&id);
                }
                empty(204)
            }
            _ => empty(404),
        }
    }
}

async fn run_crud<F>(answer: F) -> Report
where
    F: Fn(&HttpRequest) -> Result<HttpResponse, String> + Send + Sync + 'static,
{
    let service = Arc::new(Service {
        answer,
        seen: Arc::new(Mutex::new(Vec::new())),
    });
    run(&crud(), &[0, 1, 2], &opts(1), service).await
}

#[tokio::test]
async fn a_store_that_keeps_its_promises_gives_no_finding() {
    let report = run_crud(notes(false, false)).await;
    assert_eq!(report.findings, vec![]);
}

#[tokio::test]
async fn a_deleted_resource_still_there_is_use_after_free() {
    let report = run_crud(notes(true, false)).await;
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec![Rule::UseAfterFree]);
    assert_eq!(
        report.findings[0].curl,
        "curl -X GET 'http://127.0.0.1:9/notes/1001'"
    );
}

#[tokio::test]
async fn a_created_resource_not_found_breaks_ensure_resource_availability() {
    let report = run_crud(notes(false, true)).await;
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec![Rule::EnsureResourceAvailability]);
}

#[tokio::test]
async fn a_path_that_serves_a_method_its_document_hides_breaks_unsupported_method() {
    let store = notes(false, false);
    let report = run_crud(move |req| {
        if req.method == "POST" && req.target.starts_with("/notes/") {
            return json_resp(201, json!({"id": 1}));
        }
        store(req)
    })
    .await;
    let found: Vec<(&str, Rule, u16)> = report
        .findings
        .iter()
        .map(|f| (f.operation.as_str(), f.rule, f.status))
        .collect();
    assert_eq!(
        found,
        vec![("POST /notes/{id}", Rule::UnsupportedMethod, 201)]
    );
    assert_eq!(
        report.findings[0].op, 1,
        "reported on the path's first selected operation"
    );
    assert_eq!(
        report.findings[0].curl,
        "curl -X POST 'http://127.0.0.1:9/notes/1'"
    );
}

#[tokio::test]
async fn an_unlisted_method_finding_is_silenced_by_its_rule_or_its_request() {
    let leaky = || {
        let store = notes(false, false);
        move |req: &HttpRequest| {
            if req.method == "POST" && req.target.starts_with("/notes/") {
                return json_resp(201, json!({"id": 1}));
            }
            store(req)
        }
    };
    for operation in [None, Some("POST /notes/{id}")] {
        let mut o = opts(1);
        o.ignore = vec![Silence {
            rule: Rule::UnsupportedMethod,
            operation: operation.map(str::to_string),
            status: None,
        }];
        let service = Arc::new(Service {
            answer: leaky(),
            seen: Arc::new(Mutex::new(Vec::new())),
        });
        let report = run(&crud(), &[0, 1, 2], &o, service).await;
        assert_eq!(report.findings, vec![], "{operation:?}");
    }
    // The operationId or label of the path's documented operation does not silence it.
    let mut o = opts(1);
    o.ignore = vec![Silence {
        rule: Rule::UnsupportedMethod,
        operation: Some("GET /notes/{id}".into()),
        status: None,
    }];
    let service = Arc::new(Service {
        answer: leaky(),
        seen: Arc::new(Mutex::new(Vec::new())),
    });
    assert_eq!(
        run(&crud(), &[0, 1, 2], &o, service).await.findings.len(),
        1
    );
}

/// A sender whose every answer takes `delay`: a healthy service on a slow machine.
struct Slow {
    delay: Duration,
}

impl Sender for Slow {
    fn send(&self, req: HttpRequest) -> Sent {
        let delay = self.delay;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            if req.method != "POST" {
                return refuse_others(&req, &["POST"]).unwrap();
            }
            json_resp(422, json!({}))
        })
    }
}

#[tokio::test]
async fn requests_cut_by_the_time_budget_end_the_run_and_are_no_transport_failure() {
    let mut o = opts(1);
    o.budget.time = Duration::from_millis(150);
    let report = run(
        &doc(),
        &[0],
        &o,
        Arc::new(Slow {
            delay: Duration::from_millis(40),
        }),
    )
    .await;
    assert_eq!(report.exhausted, Some("time"));
    assert!(
        report.transport_errors.is_empty(),
        "{:?}",
        report.transport_errors
    );
}
