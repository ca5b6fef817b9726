//! The `logs` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn logs(
        &mut self,
        l: Spanned<raw::LogsRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let loc = l.referenced;
        let l = l.value;
        let action = self.action(l.request.as_ref(), l.steps.as_ref(), loc, field, known);
        let mut known = known.clone();
        for s in &action {
            known.0.extend(s.capture.iter().map(|(k, _)| k.clone()));
        }
        let output = l.output.map(|o| OutputLogSpec {
            json: o.json.unwrap_or(false),
            fields: o.fields,
            must_not_match: o
                .must_not_match
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    self.regex(
                        &r.value,
                        r.referenced,
                        &format!("{field}.output.must-not-match[{i}]"),
                    )
                })
                .collect(),
        });
        let audit = l.audit.map(|a| AuditSpec {
            file: self.template(
                Value::String(a.file.value.clone()),
                a.file.referenced,
                &format!("{field}.audit.file"),
                &known,
            ),
            expect: a
                .expect
                .value
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        self.template(
                            v.clone(),
                            a.expect.referenced,
                            &format!("{field}.audit.expect.{k}"),
                            &known,
                        ),
                    )
                })
                .collect(),
            within: self.duration(
                &a.within,
                &format!("{field}.audit.within"),
                Duration::from_secs(2),
            ),
        });
        if output.is_none() && audit.is_none() {
            self.err(loc, field, "this check asserts nothing").hint =
                Some("add `output:` or `audit:`".into());
            return None;
        }
        Some(CheckKindSpec::Logs(Box::new(LogsSpec {
            action,
            output,
            audit,
        })))
    }
}
