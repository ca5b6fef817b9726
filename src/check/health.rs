//! The `health` check kind: health and readiness endpoints report the state they should.
//! A service whose `/health/db` says healthy while its database is gone fails here.

use crate::check::context::CheckContext;
use crate::check::json::json_assertions;
use crate::check::outcome::{Assertion, CheckOutcome};
use crate::http::Response;
use crate::suite::{HealthEndpoint, HealthSpec, HealthState, Scope};
use std::time::{Duration, Instant};

const HEALTHY: [&str; 6] = ["healthy", "ok", "ready", "up", "pass", "passing"];
const DEGRADED: [&str; 4] = ["degraded", "warn", "warning", "partial"];

/// Polls every endpoint until each reports its expected state, or `within` runs out.
pub(crate) async fn run(spec: &HealthSpec, cx: &CheckContext) -> CheckOutcome {
    let deadline = Instant::now() + spec.within;
    loop {
        let mut assertions = Vec::new();
        let mut error = None;
        for e in &spec.endpoints {
            match cx.get(&e.path).await {
                Ok(r) => match evaluate(e, &r, &cx.scope) {
                    Ok(a) => assertions.extend(a),
                    Err(e) => error = Some(e.to_string()),
                },
                Err(e) => error = Some(e.to_string()),
            }
        }
        let passed = error.is_none() && assertions.iter().all(|a| a.passed);
        if passed || Instant::now() >= deadline {
            return match error {
                Some(e) if !passed => CheckOutcome::error(e),
                _ => CheckOutcome::from_assertions(assertions, None),
            };
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The state a response reports: the body's `status` word where there is one, and the
/// status code (5xx is unhealthy whatever the body says).
pub(crate) fn classify(r: &Response) -> (HealthState, String) {
    let word = r
        .json()
        .and_then(|j| j.get("status"))
        .and_then(|s| s.as_str())
        .map(str::to_ascii_lowercase);
    let shown = match &word {
        Some(w) => format!("{} with status \"{w}\"", r.status),
        None => r.status.to_string(),
    };
    let state = if r.status >= 500 {
        HealthState::Unhealthy
    } else {
        match word.as_deref() {
            Some(w) if DEGRADED.contains(&w) => HealthState::Degraded,
            Some(w) if !HEALTHY.contains(&w) => HealthState::Unhealthy,
            _ if (200..300).contains(&r.status) => HealthState::Healthy,
            _ => HealthState::Unhealthy,
        }
    };
    (state, shown)
}

pub(crate) fn evaluate(
    e: &HealthEndpoint,
    r: &Response,
    scope: &Scope,
) -> Result<Vec<Assertion>, String> {
    let (state, shown) = classify(r);
    let expected = match e.state {
        HealthState::Healthy => "healthy (2xx)",
        HealthState::Degraded => "degraded (2xx with status \"degraded\")",
        // An unhealthy dependency must show in the status code too: load balancers and
        // orchestrators read the code, not the body.
        HealthState::Unhealthy => "unhealthy (5xx)",
    };
    let code_ok = match (&e.status, e.state) {
        (Some(m), _) => m.matches(r.status),
        (None, HealthState::Unhealthy) => r.status >= 500,
        (None, _) => (200..300).contains(&r.status),
    };
    let expected = match &e.status {
        Some(m) => format!("{} with status {}", e.state.as_str(), m),
        None => expected.to_string(),
    };
    let mut out = vec![Assertion::new(
        format!("GET {}", e.path),
        expected,
        format!("{} ({shown})", state.as_str()),
        state == e.state && code_ok,
    )];
    let (fields, _) = json_assertions(&e.fields, r, scope)?;
    out.extend(fields.into_iter().map(|mut a| {
        a.property = format!("GET {}: {}", e.path, a.property);
        a
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, body: serde_json::Value) -> Response {
        Response {
            raw: None,
            sent: String::new(),
            redactor: None,
            status,
            headers: vec![],
            body: body.to_string(),
            json: Default::default(),
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn states_come_from_the_code_and_the_status_word() {
        assert_eq!(
            classify(&response(200, json!({"status": "healthy"}))).0,
            HealthState::Healthy
        );
        assert_eq!(
            classify(&response(200, json!({"status": "degraded"}))).0,
            HealthState::Degraded
        );
        assert_eq!(
            classify(&response(503, json!({"status": "not ready"}))).0,
            HealthState::Unhealthy
        );
        assert_eq!(
            classify(&response(503, json!({"status": "healthy"}))).0,
            HealthState::Unhealthy
        );
        assert_eq!(
            classify(&response(200, json!({"status": "unhealthy"}))).0,
            HealthState::Unhealthy
        );
        assert_eq!(
            classify(&response(204, json!(null))).0,
            HealthState::Healthy
        );
    }

    #[test]
    fn a_lying_health_endpoint_fails_unhealthy() {
        let e = HealthEndpoint {
            path: "/health/db".into(),
            state: HealthState::Unhealthy,
            status: None,
            fields: vec![],
        };
        let a = evaluate(
            &e,
            &response(200, json!({"status": "healthy", "database": "connected"})),
            &Scope::default(),
        )
        .unwrap();
        assert_eq!(
            a[0],
            Assertion::new(
                "GET /health/db",
                "unhealthy (5xx)",
                "healthy (200 with status \"healthy\")",
                false
            )
        );
        // Unhealthy in the body but 200 on the wire is still wrong.
        let a = evaluate(
            &e,
            &response(200, json!({"status": "unhealthy"})),
            &Scope::default(),
        )
        .unwrap();
        assert!(!a[0].passed);
        let a = evaluate(
            &e,
            &response(503, json!({"status": "unhealthy"})),
            &Scope::default(),
        )
        .unwrap();
        assert!(a[0].passed);
    }
}
