//! How the service's output appears in a failure: its start-up lines kept, then its last
//! lines with runs of lines alike (harden's own readiness probe answered 503, twenty times)
//! folded into one and `... N more like this`.

/// Lines of the service's start-up output always kept.
pub(crate) const HEAD_LINES: usize = 5;

/// Whether two lines are alike: the same once every run of digits (times, ports,
/// durations, ids) is taken as one digit.
fn shape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_digits = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// Pure: `head` (the first lines the service wrote, up to `HEAD_LINES`) and `recent`
/// (the recent lines, each with its position in the whole output) -> at most `n` entries
/// of the recent lines, runs of alike lines folded, after the head lines they do not
/// already show.
pub(crate) fn summarize(head: &[String], recent: &[(u64, String)], n: usize) -> Vec<String> {
    // Each entry: position of its first line, the line, how many alike lines follow it.
    let mut entries: Vec<(u64, &str, usize)> = Vec::new();
    let mut last_shape = None;
    for (seq, text) in recent {
        let s = shape(text);
        match entries.last_mut() {
            Some(e) if last_shape.as_ref() == Some(&s) => e.2 += 1,
            _ => entries.push((*seq, text, 0)),
        }
        last_shape = Some(s);
    }
    let mut out = Vec::new();
    let mut budget = n;
    let kept = {
        let from = entries.len().saturating_sub(n);
        &entries[from..]
    };
    let first_kept = kept.first().map_or(u64::MAX, |e| e.0);
    let head_shown: Vec<&String> = head
        .iter()
        .take(HEAD_LINES)
        .enumerate()
        .filter(|(i, _)| (*i as u64) < first_kept)
        .map(|(_, l)| l)
        .collect();
    if !head_shown.is_empty() {
        out.extend(head_shown.iter().map(|l| l.to_string()));
        let gap = first_kept.saturating_sub(head_shown.len() as u64);
        if gap > 0 && first_kept != u64::MAX {
            out.push(format!("... {gap} lines not shown"));
        }
        budget = budget.saturating_sub(head_shown.len());
    }
    let kept = &kept[kept.len().saturating_sub(budget.max(2))..];
    for (_, text, more) in kept {
        out.push(text.to_string());
        if *more > 0 {
            out.push(format!("... {more} more like this"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(lines: &[String]) -> Vec<(u64, String)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u64, l.clone()))
            .collect()
    }

    #[test]
    fn a_never_ready_service_shows_its_start_up_and_one_probe_line() {
        let mut lines = vec![
            "starting orchestrator service".to_string(),
            "Uvicorn running on http://127.0.0.1:43475".to_string(),
        ];
        for i in 0..19 {
            lines.push(format!(
                "{{\"timestamp\":\"2026-12-06T02:04:{:02}.{}Z\",\"message\":\"GET /health/ready 503\",\"duration_ms\":0.0{i}}}",
                10 + i,
                100 + i * 7
            ));
        }
        lines.push("received SIGTERM, shutting down".to_string());
        let head: Vec<String> = lines.iter().take(HEAD_LINES).cloned().collect();
        let shown = summarize(&head, &numbered(&lines), 20);
        insta::assert_snapshot!(shown.join("\n"), @r#"
        starting orchestrator service
        Uvicorn running on http://127.0.0.1:43475
        {"timestamp":"2026-12-06T02:04:10.100Z","message":"GET /health/ready 503","duration_ms":0.00}
        ... 18 more like this
        received SIGTERM, shutting down
        "#);
    }

    #[test]
    fn start_up_lines_are_kept_when_the_ring_has_moved_on() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("line {i} of a chatty service {}", "x".repeat(i % 3)))
            .collect();
        let head: Vec<String> = lines.iter().take(HEAD_LINES).cloned().collect();
        let recent: Vec<(u64, String)> = numbered(&lines).into_iter().skip(60).collect();
        let shown = summarize(&head, &recent, 10);
        assert_eq!(shown.len(), 11, "{shown:#?}");
        assert_eq!(shown[0], lines[0]);
        assert_eq!(shown[HEAD_LINES], "... 85 lines not shown");
        assert_eq!(shown.last(), lines.last());
    }

    #[test]
    fn different_lines_are_never_folded() {
        let lines: Vec<String> = ["a", "b", "a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(summarize(&[], &numbered(&lines), 20), lines);
    }
}
