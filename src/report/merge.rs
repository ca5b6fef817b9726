//! Merging results files from CI shards (`harden check --partition k/n`) into the report
//! an unsharded run would have given: suites in order, checks in suite order.

use crate::report::{RunReport, SuiteReport, fill_scores};

/// Why results files cannot be merged.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum MergeError {
    #[error("no results to merge")]
    Empty,
    /// The same check in two shards: they were not cut by the same `--partition`.
    #[error(
        "check `{check}` of suite `{suite}` is in more than one results file; were the shards run with the same --partition?"
    )]
    Overlap { check: String, suite: String },
}

pub(crate) fn merge(parts: Vec<RunReport>) -> Result<RunReport, MergeError> {
    let mut iter = parts.into_iter();
    let Some(mut merged) = iter.next() else {
        return Err(MergeError::Empty);
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

fn absorb(into: &mut SuiteReport, from: SuiteReport) -> Result<(), MergeError> {
    for c in from.checks.into_vec() {
        if into.checks.iter().any(|x| x.info.id == c.info.id) {
            return Err(MergeError::Overlap {
                check: c.info.id.to_string(),
                suite: into.name.clone(),
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn nothing_to_merge_is_an_error() {
        assert_eq!(merge(vec![]).unwrap_err(), MergeError::Empty);
    }

    #[test]
    fn the_same_check_in_two_shards_is_an_overlap() {
        let e = merge(vec![sample::report(), sample::report()]).unwrap_err();
        assert_eq!(
            e,
            MergeError::Overlap {
                check: "create-run".into(),
                suite: "orchestrator".into()
            }
        );
        assert!(e.to_string().contains("same --partition"), "{e}");
    }

    #[test]
    fn disjoint_shards_merge_in_line_order() {
        let (mut a, mut b) = (sample::report(), sample::report());
        a.suites[0].checks.retain(|c| c.info.line % 60 == 0);
        b.suites[0].checks.retain(|c| c.info.line % 60 != 0);
        let merged = merge(vec![b, a]).unwrap();
        let lines: Vec<u64> = merged.suites[0]
            .checks
            .iter()
            .map(|c| c.info.line)
            .collect();
        assert_eq!(lines, vec![30, 60, 120, 140, 200]);
    }
}
