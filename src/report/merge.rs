//! Merging results files from CI shards (`harden check --partition k/n`) into the report
//! an unsharded run would have given: suites in order, checks in suite order.

use crate::report::{RunReport, SuiteReport, fill_scores};

pub(crate) fn merge(parts: Vec<RunReport>) -> Result<RunReport, String> {
    let mut iter = parts.into_iter();
    let Some(mut merged) = iter.next() else {
        return Err("no results to merge".into());
    };
    for part in iter {
        merged.interrupted |= part.interrupted;
        merged.duration_seconds = merged.duration_seconds.max(part.duration_seconds);
        if part.started_at < merged.started_at {
            merged.started_at = part.started_at.clone();
        }
        for suite in part.suites {
            match merged
                .suites
                .iter_mut()
                .find(|s| s.name == suite.name && s.file == suite.file)
            {
                Some(into) => absorb(into, suite)?,
                None => merged.suites.push(suite),
            }
        }
    }
    for s in &mut merged.suites {
        // Checks are written in line order; that is the unsharded order.
        s.checks.sort_by_key(|c| c.info.line);
    }
    fill_scores(&mut merged);
    Ok(merged)
}

fn absorb(into: &mut SuiteReport, from: SuiteReport) -> Result<(), String> {
    for c in from.checks {
        if into.checks.iter().any(|x| x.info.id == c.info.id) {
            return Err(format!(
                "check `{}` of suite `{}` is in more than one results file; were the shards run with the same --partition?",
                c.info.id, into.name
            ));
        }
        into.checks.push(c);
    }
    into.filtered_out = into.filtered_out.max(from.filtered_out);
    into.setup_error = into.setup_error.take().or(from.setup_error);
    into.cancelled = into.cancelled.take().or(from.cancelled);
    // A failed instance in any shard is the suite's failure.
    let from_failed = from.instance.as_ref().is_some_and(|i| i.failure.is_some());
    if into.instance.is_none() || from_failed {
        into.instance = from.instance.or(into.instance.take());
    }
    Ok(())
}
