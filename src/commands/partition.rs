//! Which slice of the checks this run is (CI sharding): `--partition K/N`, else GitLab's
//! `parallel:` variables `CI_NODE_INDEX` (1-based) and `CI_NODE_TOTAL` when both are set.

use crate::error::Error;

/// The slice a run takes, and where it was told so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Partition {
    pub k: usize,
    pub n: usize,
    pub from_gitlab: bool,
}

impl Partition {
    /// For the run header: `partition 2/3` or `partition 2/3 (from CI_NODE_INDEX/CI_NODE_TOTAL)`.
    pub(crate) fn describe(&self) -> String {
        let from = if self.from_gitlab {
            " (from CI_NODE_INDEX/CI_NODE_TOTAL)"
        } else {
            ""
        };
        format!("partition {}/{}{from}", self.k, self.n)
    }
}

/// The flag wins; without it, both GitLab variables must be present (`CI_NODE_TOTAL` alone
/// is set to 1 in every GitLab job that is not `parallel:`, and means nothing here).
pub(crate) fn resolve(
    flag: Option<(usize, usize)>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Partition>, Error> {
    if let Some((k, n)) = flag {
        return Ok(Some(Partition {
            k,
            n,
            from_gitlab: false,
        }));
    }
    let (Some(index), Some(total)) = (env("CI_NODE_INDEX"), env("CI_NODE_TOTAL")) else {
        return Ok(None);
    };
    let number = |v: &str| v.trim().parse::<usize>().ok().filter(|n| *n > 0);
    match (number(&index), number(&total)) {
        (Some(k), Some(n)) if k <= n => Ok(Some(Partition {
            k,
            n,
            from_gitlab: true,
        })),
        _ => Err(Error::Usage(format!(
            "CI_NODE_INDEX=`{index}` and CI_NODE_TOTAL=`{total}` are not a partition: expected \
             whole numbers with 1 <= CI_NODE_INDEX <= CI_NODE_TOTAL\n\
             hint: GitLab sets both for a job with `parallel: N`; pass `--partition K/N` to \
             override them"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_wins_over_gitlab() {
        let p = resolve(
            Some((1, 2)),
            env(&[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "3")]),
        );
        assert_eq!(
            p.unwrap(),
            Some(Partition {
                k: 1,
                n: 2,
                from_gitlab: false
            })
        );
    }

    #[test]
    fn gitlab_variables_give_the_partition_and_say_so() {
        let p = resolve(None, env(&[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")]))
            .unwrap()
            .unwrap();
        assert_eq!((p.k, p.n, p.from_gitlab), (2, 3, true));
        assert_eq!(
            p.describe(),
            "partition 2/3 (from CI_NODE_INDEX/CI_NODE_TOTAL)"
        );
    }

    #[test]
    fn one_variable_alone_is_no_partition() {
        assert_eq!(resolve(None, env(&[("CI_NODE_TOTAL", "1")])).unwrap(), None);
        assert_eq!(resolve(None, env(&[("CI_NODE_INDEX", "1")])).unwrap(), None);
        assert_eq!(resolve(None, env(&[])).unwrap(), None);
    }

    #[test]
    fn malformed_variables_are_a_usage_error_naming_them() {
        for (i, t) in [("0", "3"), ("4", "3"), ("x", "3"), ("1", ""), ("-1", "2")] {
            let e = resolve(None, env(&[("CI_NODE_INDEX", i), ("CI_NODE_TOTAL", t)]))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("CI_NODE_INDEX=`{i}` and CI_NODE_TOTAL=`{t}`")),
                "{e}"
            );
            assert!(e.contains("hint: "), "{e}");
        }
    }
}
