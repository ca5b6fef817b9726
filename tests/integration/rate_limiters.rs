//! The `rate-limit` kind against the limiters Python services deploy, each healthy and
//! misconfigured the way teams misconfigure them: slowapi under uvicorn, Flask-Limiter
//! under gunicorn, both with one worker and with four (each keeping its own in-memory
//! counter), fastapi-limiter with four workers sharing Redis, and a service sending the
//! IETF quota headers of drafts 06, 07 and 10. The contract each suite states: 20 requests
//! a minute per client.

use crate::harness::{Harden, Output, path_with_python, repo};

/// Runs one `rate-limit` check (`keys`, indented under `rate-limit:`) against `command`
/// started in fixtures/limiters with `LIMIT` set to `limit` (and `env`, more YAML map
/// entries).
/// `None` when the Python-backed tests are skipped here (see `python_venv`).
fn probe(command: &str, limit: &str, keys: &str) -> Option<Output> {
    probe_env(command, limit, "", keys)
}

fn probe_env(command: &str, limit: &str, env: &str, keys: &str) -> Option<Output> {
    let path = path_with_python()?;
    // Where the workers mark themselves started: the service is ready once all are.
    let ready = tempfile::tempdir().expect("temp dir");
    let env = format!("{env}, READY_DIR: \"{}\"", ready.path().display());
    let yaml = format!(
        "suite: limiter\ninstance:\n  command: {command}\n  cwd: {}\n  env: {{ LIMIT: \"{limit}\"{env} }}\n  ready: {{ http: /health, timeout: 60s }}\nchecks:\n  - id: limited\n    rate-limit:\n      request: {{ path: /items }}\n      limit: 20\n      window: 60s\n{keys}",
        repo().join("fixtures/limiters").display()
    );
    Some(Harden::check_yaml(&yaml).env("PATH", &path).run())
}

fn uvicorn(workers: u32) -> String {
    format!(
        "[\"python\", \"-m\", \"uvicorn\", \"slowapi_app:app\", \"--port\", \"${{PORT}}\", \"--workers\", \"{workers}\", \"--log-level\", \"warning\"]"
    )
}

/// gunicorn's default sync workers (one request at a time each), or with `threads`.
fn gunicorn(workers: u32, threads: u32) -> String {
    format!(
        "[\"python\", \"-m\", \"gunicorn\", \"-w\", \"{workers}\", \"--threads\", \"{threads}\", \"-b\", \"127.0.0.1:${{PORT}}\", \"--log-level\", \"warning\", \"flask_app:app\"]"
    )
}

fn note(out: &Output) -> String {
    out.results()["suites"][0]["checks"][0]["note"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// slowapi 0.1.10 on limits 5.8, one worker: 20 accepted, then 429s whose `Retry-After`
/// and `X-RateLimit-*` agree, `Remaining` counting down; the paced phase (on by default:
/// 4 requests 1.5 s apart) meets refusals.
#[test]
fn slowapi_with_one_worker_passes() {
    let Some(out) = probe(&uvicorn(1), "20/minute", "") else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    let note = note(&out);
    assert!(
        note.contains(": 20 accepted, 21 refused; paced every 1.50s: 429 429 429 429; quota headers X-RateLimit-*"),
        "{note}"
    );
}

/// Issue 21.1: `uvicorn --workers 4`, each worker with slowapi's in-memory counter.
#[test]
fn slowapi_with_four_workers_fails_naming_the_workers() {
    let Some(out) = probe_env(
        &uvicorn(4),
        "20/minute",
        ", WORKERS: \"4\"",
        "      workers: 4\n      paced: false\n",
    ) else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (status, message) = out.check("limited");
    assert_eq!(status, "fail", "{out}");
    assert!(
        message.starts_with("accepted: expected at most 20 of 81, got "),
        "{message}"
    );
    assert!(message.contains("per worker process"), "{message}");
}

/// Issue 21.2: 2 a minute where the contract says 20, and no quota headers to tell.
#[test]
fn slowapi_stricter_than_the_contract_fails() {
    let Some(out) = probe_env(
        &uvicorn(1),
        "2/minute",
        ", HEADERS: \"0\"",
        "      paced: false\n",
    ) else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (_, message) = out.check("limited");
    assert!(
        message.starts_with(
            "accepted before refusing: expected at least 20, got only 2 accepted: the "
        ),
        "{message}"
    );
    assert!(
        message.contains("was already a 429, where the contract allows 20 per 1m"),
        "{message}"
    );
}

/// Flask-Limiter 4.1 with `memory://`, one gunicorn worker: passes.
#[test]
fn flask_limiter_with_one_worker_passes() {
    let Some(out) = probe(&gunicorn(1, 4), "20 per minute", "      paced: false\n") else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    assert!(
        note(&out).contains(": 20 accepted, 21 refused; quota headers X-RateLimit-*"),
        "{}",
        note(&out)
    );
}

/// Issue 21.1: `gunicorn -w 4` (its default sync workers) with Flask-Limiter's
/// `memory://`.
#[test]
fn flask_limiter_with_four_workers_fails_naming_the_workers() {
    let Some(out) = probe_env(
        &gunicorn(4, 1),
        "20 per minute",
        ", WORKERS: \"4\"",
        "      workers: 4\n      paced: false\n",
    ) else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (_, message) = out.check("limited");
    assert!(message.contains("per worker process"), "{message}");
    assert!(message.contains("gunicorn -w"), "{message}");
}

fn drafts(draft: &str, extra: &str, keys: &str) -> Option<Output> {
    probe(
        &format!(
            "[\"python\", \"drafts.py\", \"--port\", \"${{PORT}}\", \"--draft\", \"{draft}\"{extra}]"
        ),
        "",
        keys,
    )
}

/// Issue 21.5: each draft's headers, the daily policy listed first, read for the window's
/// own policy.
#[test]
fn each_drafts_headers_pass_with_the_daily_policy_first() {
    for (draft, family) in [
        ("06", "RateLimit-*"),
        ("07", "RateLimit (IETF)"),
        ("10", "RateLimit (IETF)"),
    ] {
        let Some(out) = drafts(draft, "", "      paced: false\n") else {
            return;
        };
        assert_eq!(out.code, 0, "draft {draft}: {out}");
        assert!(
            note(&out).ends_with(&format!("20 accepted, 21 refused; quota headers {family}")),
            "draft {draft}: {}",
            note(&out)
        );
    }
    // Named, the other policy is read, and its quota is not the contract's.
    let Some(out) = drafts("10", "", "      paced: false\n      policy: day\n") else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(
        out.check("limited").1,
        "quota headers (RateLimit (IETF)): expected limit 20, got limit 1000 (and 1 more)"
    );
}

/// Issue 21.4: `Remaining` stuck on 2xx.
#[test]
fn a_stuck_remaining_fails_in_each_draft() {
    for draft in ["06", "07", "10"] {
        let Some(out) = drafts(draft, ", \"--stuck-remaining\"", "      paced: false\n") else {
            return;
        };
        assert_eq!(out.code, 1, "draft {draft}: {out}");
        assert_eq!(
            out.check("limited").1,
            "remaining decreases: expected down to 0 or less after 20 accepted, got 19 on all 20 accepted answers",
            "draft {draft}"
        );
    }
}

/// fastapi-limiter 0.1.6 counts in Redis (a `redis-server` on a unix socket, started with
/// the service); skipped, saying so, where redis-server is not installed.
fn fastapi_limiter(workers: u32, limit: &str, keys: &str) -> Option<Output> {
    let Some(redis) = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())
    else {
        eprintln!("skipped: redis-server is not installed (apt-get install -y redis-server)");
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display();
    let command = format!(
        "[\"sh\", \"-c\", \"{redis} --port 0 --unixsocket {d}/redis.sock --save '' --appendonly no --dir {d} --loglevel warning & until [ -S {d}/redis.sock ]; do sleep 0.05; done; exec python -m uvicorn fastapi_limiter_app:app --port $0 --workers {workers} --log-level warning\", \"${{PORT}}\"]"
    );
    probe_env(
        &command,
        limit,
        &format!(", REDIS_URL: \"unix://{d}/redis.sock\", WORKERS: \"{workers}\""),
        keys,
    )
}

/// Counted in Redis, four workers share one counter: passes with `workers: 4` (no quota
/// headers, `Retry-After` on refusals).
#[test]
fn fastapi_limiter_with_four_workers_and_redis_passes() {
    let Some(out) = fastapi_limiter(4, "20", "      workers: 4\n      paced: false\n") else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    assert!(
        note(&out).ends_with(": 20 accepted, 61 refused"),
        "{}",
        note(&out)
    );
}

/// `RateLimiter(times=2, seconds=60)` where the contract says 20: refused too early.
#[test]
fn fastapi_limiter_stricter_than_the_contract_fails() {
    let Some(out) = fastapi_limiter(1, "2", "      paced: false\n") else {
        return;
    };
    assert_eq!(out.code, 1, "{out}");
    let (_, message) = out.check("limited");
    assert!(
        message.starts_with("accepted before refusing: expected at least 20, got only 2 accepted"),
        "{message}"
    );
}
