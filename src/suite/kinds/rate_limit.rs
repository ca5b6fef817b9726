//! The `rate-limit` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::located::Spanned;
use crate::suite::request::{RequestRaw, RequestSpec};
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// A rate-limit probe.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RateLimitRaw {
    /// The request the burst repeats.
    pub request: RequestRaw,
    /// Requests allowed per window.
    pub limit: u64,
    /// The window, e.g. `60s` or `1m`.
    #[schemars(with = "String")]
    pub window: Spanned<String>,
    /// Status of a refusal (default 429).
    pub expect_status: Option<u16>,
    /// Extra (or missing) requests a fixed or sliding window may let through (default 0).
    pub tolerance: Option<u64>,
    /// Requests in flight at once during the burst (default 10).
    pub concurrency: Option<u64>,
    /// Worker processes the service runs (default 1). The burst is sized so that each of
    /// them would see more than the limit if it kept its own counter.
    pub workers: Option<u64>,
    /// Fail when fewer than `limit - tolerance` requests are accepted (default true): a
    /// limit stricter than the contract refuses real clients too early.
    pub lower_bound: Option<bool>,
    /// After the burst, send requests paced at twice the documented rate (`window / (2 *
    /// limit)` apart) and expect a refusal among them: catches a limit far above the
    /// contract that a burst cannot (nginx `limit_req` without `burst`). Default: on when
    /// the paced phase takes at most 10 s; `true` runs it up to 2 min, `false` never.
    pub paced: Option<bool>,
    /// The IETF `RateLimit-Policy` to read by name when several are sent (default: the one
    /// whose window `w` equals `window`).
    pub policy: Option<String>,
    /// Vary this header per client instead of the source address (per-user limits).
    pub client_header: Option<String>,
    /// Loopback source address of the burst (default `127.0.0.2`); the second client
    /// uses the next address.
    pub source: Option<String>,
    /// Fail a refusal without `Retry-After` (default false: RFC 6585 makes it optional,
    /// and nginx `limit_req` sends none). When present it must always make sense.
    #[serde(default)]
    pub require_retry_after: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct RateLimitSpec {
    pub request: RequestSpec,
    pub limit: u64,
    pub window: Duration,
    pub refused_status: u16,
    pub tolerance: u64,
    pub concurrency: usize,
    pub clients: RateLimitClients,
    /// Every refusal must carry `Retry-After` (RFC 6585 makes it optional).
    pub require_retry_after: bool,
    /// Worker processes expected (1 to 64).
    pub workers: u64,
    /// At least `limit - tolerance` must be accepted.
    pub lower_bound: bool,
    /// The paced phase: how many requests, how far apart (`None`: no paced phase).
    pub paced: Option<Paced>,
    /// The IETF policy to read by name.
    pub policy: Option<String>,
}

/// The paced phase after the burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Paced {
    pub requests: usize,
    pub interval: Duration,
}

impl RateLimitSpec {
    /// Requests of the burst: enough that every expected worker (at least two) would see
    /// more than `limit + tolerance` if each kept its own counter.
    pub(crate) fn burst_size(&self) -> usize {
        ((self.limit + self.tolerance) * self.workers.max(2) + 1) as usize
    }
}

/// The most requests a burst may send (each on its own connection).
const MAX_BURST: u64 = 50_000;
/// Requests of the paced phase.
pub(crate) const PACED_REQUESTS: usize = 4;
/// The longest paced phase run by default.
const PACED_AUTO_MAX: Duration = Duration::from_secs(10);
/// The longest paced phase at all.
const PACED_MAX: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub(crate) enum RateLimitClients {
    /// The burst from this loopback address, the second client from the next one.
    Addresses(std::net::Ipv4Addr, std::net::Ipv4Addr),
    /// The burst and the second client differ in this header.
    Header(String),
}

impl Validator<'_> {
    pub(in crate::suite) fn rate_limit(
        &mut self,
        r: Spanned<RateLimitRaw>,
        field: &str,
        known: &Known,
    ) -> Option<RateLimitSpec> {
        let loc = r.referenced;
        let mut r = r.value;
        for (name, t) in [
            ("client-header", &mut r.client_header),
            ("source", &mut r.source),
        ] {
            if let Some(t) = t {
                self.expand_now(t, loc, &format!("{field}.{name}"));
            }
        }
        let request = self.request(&r.request, &format!("{field}.request"), known);
        let window = self.duration(
            &Some(r.window),
            &format!("{field}.window"),
            Duration::from_secs(60),
        );
        if r.limit == 0 || r.limit > 10_000 {
            self.err(
                loc,
                &format!("{field}.limit"),
                format!("limit {} is out of range (1 to 10000)", r.limit),
            );
            return None;
        }
        if r.tolerance.is_some_and(|t| t > 10_000) {
            self.err(
                loc,
                &format!("{field}.tolerance"),
                format!(
                    "tolerance {} is out of range (0 to 10000)",
                    r.tolerance.unwrap_or_default()
                ),
            );
            return None;
        }
        let clients = match (r.client_header, r.source) {
            (Some(_), Some(_)) => {
                self.err(
                    loc,
                    field,
                    "set either `client-header` or `source`, not both",
                );
                return None;
            }
            (Some(h), None) => RateLimitClients::Header(h),
            (None, source) => {
                let text = source.unwrap_or_else(|| "127.0.0.2".into());
                match text.parse::<std::net::Ipv4Addr>() {
                    Ok(a) if a.is_loopback() && a.octets()[3] < 255 => {
                        let [w, x, y, z] = a.octets();
                        RateLimitClients::Addresses(a, std::net::Ipv4Addr::new(w, x, y, z + 1))
                    }
                    _ => {
                        self.err(
                            loc,
                            &format!("{field}.source"),
                            format!("`{text}` is not a loopback IPv4 address"),
                        )
                        .hint = Some("use an address in 127.0.0.0/8 such as `127.0.0.2`".into());
                        return None;
                    }
                }
            }
        };
        if r.workers.is_some_and(|w| w == 0 || w > 64) {
            self.err(
                loc,
                &format!("{field}.workers"),
                format!(
                    "workers {} is out of range (1 to 64)",
                    r.workers.unwrap_or_default()
                ),
            );
            return None;
        }
        let burst = (r.limit + r.tolerance.unwrap_or(0)) * r.workers.unwrap_or(1).max(2) + 1;
        if burst > MAX_BURST {
            self.err(
                loc,
                &format!("{field}.workers"),
                format!("the burst would be {burst} requests, more than {MAX_BURST}"),
            )
            .hint = Some(
                "lower `workers` or `tolerance`, or state the limit over a shorter window".into(),
            );
            return None;
        }
        // Twice the documented rate: a correct limiter whose quota the burst spent refuses
        // at least one of these, whatever its algorithm.
        let interval = window / (2 * r.limit).min(u32::MAX as u64) as u32;
        let phase = interval * PACED_REQUESTS as u32;
        let paced = match r.paced {
            Some(false) => None,
            None if phase > PACED_AUTO_MAX => None,
            Some(true) if phase > PACED_MAX => {
                self.err(
                    loc,
                    &format!("{field}.paced"),
                    format!(
                        "the paced phase would take {} ({PACED_REQUESTS} requests {} apart), longer than {}",
                        humantime::format_duration(phase),
                        humantime::format_duration(interval),
                        humantime::format_duration(PACED_MAX)
                    ),
                )
                .hint = Some("set `paced: false`, or state the limit over a shorter window".into());
                return None;
            }
            _ => Some(Paced {
                requests: PACED_REQUESTS,
                interval,
            }),
        };
        let mut policy = r.policy;
        if let Some(p) = &mut policy {
            self.expand_now(p, loc, &format!("{field}.policy"));
        }
        Some(RateLimitSpec {
            request,
            limit: r.limit,
            window,
            refused_status: r.expect_status.unwrap_or(429),
            tolerance: r.tolerance.unwrap_or(0),
            concurrency: r.concurrency.unwrap_or(10).clamp(1, 100) as usize,
            clients,
            require_retry_after: r.require_retry_after,
            workers: r.workers.unwrap_or(1),
            lower_bound: r.lower_bound.unwrap_or(true),
            paced,
            policy,
        })
    }
}
