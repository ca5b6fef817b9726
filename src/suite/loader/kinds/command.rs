//! The `command` kind's keys.

use super::super::*;

impl Validator<'_> {
    pub(in crate::suite::loader) fn command_check(
        &mut self,
        c: Spanned<raw::CommandRaw>,
        field: &str,
        known: &Known,
    ) -> Option<CheckKindSpec> {
        let c = c.value;
        let argv = self.command(&c.run, &format!("{field}.run"), known);
        let cwd = match &c.cwd {
            Some(d) => self.dir.join(d),
            None => self.dir.clone(),
        };
        let env = self.env(c.env, &format!("{field}.env"), known);
        let stdout = c
            .stdout
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.stdout"), known))
            .unwrap_or_default();
        let stderr = c
            .stderr
            .as_ref()
            .map(|b| self.body_predicates(b, &format!("{field}.stderr"), known))
            .unwrap_or_default();
        let min_pass_rate = match &c.min_pass_rate {
            Some(r) => self
                .percent(r, &format!("{field}.min-pass-rate"))
                .unwrap_or(1.0),
            None => 1.0,
        };
        Some(CheckKindSpec::Command(Box::new(CommandSpec {
            argv,
            junit: c.junit.as_ref().map(|j| {
                self.template(
                    Value::String(j.value.clone()),
                    j.referenced,
                    &format!("{field}.junit"),
                    known,
                )
            }),
            cwd,
            env,
            exit: c.exit.or(if c.junit.is_some() || c.sarif.is_some() {
                None
            } else {
                Some(0)
            }),
            stdout,
            stderr,
            min_pass_rate,
            sarif: c.sarif.as_ref().map(|s| {
                self.template(
                    Value::String(s.value.clone()),
                    s.referenced,
                    &format!("{field}.sarif"),
                    known,
                )
            }),
            budgets: c.budgets.into_iter().collect(),
        })))
    }
}
