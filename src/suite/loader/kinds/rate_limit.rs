//! The `rate-limit` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn rate_limit(
        &mut self,
        r: Spanned<raw::RateLimitRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = r.referenced;
        let r = r.value;
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
        Some(CheckKindSpec::RateLimit(Box::new(RateLimitSpec {
            request,
            limit: r.limit,
            window,
            refused_status: r.expect_status.unwrap_or(429),
            tolerance: r.tolerance.unwrap_or(0),
            concurrency: r.concurrency.unwrap_or(10).clamp(1, 100) as usize,
            clients,
            require_retry_after: r.require_retry_after,
        })))
    }
}
