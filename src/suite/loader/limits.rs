//! `limits:`: how much harden reads of the service's answers, as sizes (`16MiB`).

use super::*;

impl Validator<'_> {
    pub(super) fn limits(&mut self, raw: Option<raw::LimitsRaw>) -> Limits {
        let mut limits = Limits::default();
        let Some(raw) = raw else { return limits };
        for (value, field, slot) in [
            (raw.body, "limits.body", &mut limits.body),
            (raw.exposition, "limits.exposition", &mut limits.exposition),
            (
                raw.command_output,
                "limits.command-output",
                &mut limits.command_output,
            ),
        ] {
            let Some(v) = value else { continue };
            let Some(text) = self.now(&v.value, v.referenced, field) else {
                continue;
            };
            match parse_size(&text) {
                Some(n) if (1024..=MAX_SIZE).contains(&n) => *slot = n,
                Some(_) => {
                    self.err(
                        v.referenced,
                        field,
                        format!("size `{}` is out of range (1KiB to 4GiB)", v.value),
                    );
                }
                None => {
                    self.err(v.referenced, field, format!("invalid size `{}`", v.value))
                        .hint = Some("write sizes like `512KiB`, `16MiB` or `1GiB`".into());
                }
            }
        }
        limits
    }
}
