//! Secrets never reach an output: every event is passed through the redactor first.

use crate::runner::Event;
use crate::suite::{Suite, value_text};

/// Values shorter than this are not redacted: replacing `1` or `ok` everywhere would make
/// every report unreadable while protecting nothing.
const MIN_SECRET_LEN: usize = 3;

#[derive(Debug, Default, Clone)]
pub(crate) struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// The suite's `secrets:` vars and every environment variable it reads.
    pub(crate) fn for_suite(suite: &Suite) -> Redactor {
        let mut secrets: Vec<String> = suite
            .secrets
            .iter()
            .filter_map(|name| suite.vars.get(name))
            .map(value_text)
            .collect();
        secrets.extend(
            suite
                .env_refs
                .iter()
                .filter_map(|name| std::env::var(name).ok()),
        );
        Redactor::new(secrets)
    }

    pub(crate) fn new(mut secrets: Vec<String>) -> Redactor {
        secrets.retain(|s| s.len() >= MIN_SECRET_LEN);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// The secret values themselves, for checks that look for leaks.
    pub(crate) fn values(&self) -> Vec<String> {
        self.secrets.clone()
    }

    pub(crate) fn text(&self, s: &mut String) {
        for secret in &self.secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), "***");
            }
        }
    }

    pub(crate) fn event(&self, e: &mut Event) {
        if self.secrets.is_empty() {
            return;
        }
        match e {
            Event::InstanceSpawned { command, .. } => self.text(command),
            Event::InstanceFailed {
                message,
                hint,
                log_tail,
                ..
            } => {
                self.text(message);
                hint.iter_mut().for_each(|h| self.text(h));
                log_tail.iter_mut().for_each(|l| self.text(l));
            }
            Event::SetupFailed { message } => self.text(message),
            Event::CheckRetrying { reason, .. } => self.text(reason),
            Event::CheckFinished {
                outcome, log_tail, ..
            } => {
                log_tail.iter_mut().for_each(|l| self.text(l));
                outcome.message.iter_mut().for_each(|m| self.text(m));
                outcome.diff.iter_mut().for_each(|d| self.text(d));
                for a in &mut outcome.assertions {
                    self.text(&mut a.property);
                    self.text(&mut a.expected);
                    self.text(&mut a.actual);
                }
            }
            Event::SuiteStarted { .. }
            | Event::InstanceReady { .. }
            | Event::CheckStarted { .. }
            | Event::RunCancelled { .. }
            | Event::InstanceStopped { .. }
            | Event::SuiteFinished => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let r = Redactor::new(vec!["abc".into(), "abcdef".into(), "x".into()]);
        let mut s = "token=abcdef and abc and x".to_string();
        r.text(&mut s);
        assert_eq!(s, "token=*** and *** and x");
    }
}
