//! The `rate-limit` kind whole: its keys as written (`…Raw`, whose doc comments are the JSON
//! Schema), the validated spec the runner sees, and the validator between them.

use crate::suite::request::{RequestRaw, RequestSpec};
use crate::suite::validator::{Known, Validator};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;
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
    /// Extra requests a fixed or sliding window may let through (default 0).
    pub tolerance: Option<u64>,
    /// Requests in flight at once during the burst (default 10).
    pub concurrency: Option<u64>,
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
}

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
        Some(RateLimitSpec {
            request,
            limit: r.limit,
            window,
            refused_status: r.expect_status.unwrap_or(429),
            tolerance: r.tolerance.unwrap_or(0),
            concurrency: r.concurrency.unwrap_or(10).clamp(1, 100) as usize,
            clients,
            require_retry_after: r.require_retry_after,
        })
    }
}
