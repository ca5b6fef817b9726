//! The live status line on a terminal: checks done of total, the ids still running, and
//! the time so far, redrawn in place on stderr while checks run. Nothing at all when stderr
//! is not a terminal, in CI (`CI` set), or with `TERM=dumb`: logs stay clean.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the line is redrawn so that the time moves during a long check.
const TICK: Duration = Duration::from_millis(200);

#[derive(Default)]
struct State {
    total: usize,
    done: usize,
    /// The checks running: index, id, and how far it has got when it said.
    running: Vec<(usize, String, Option<String>)>,
    /// The setup step running, until anything else happens.
    setup: Option<String>,
    started: Option<Instant>,
    /// Whether the line is on the screen now.
    shown: bool,
    stopped: bool,
}

pub(crate) struct Progress {
    state: Option<Arc<Mutex<State>>>,
}

impl Progress {
    /// A status line, if stderr is an interactive terminal and this is not CI.
    pub(crate) fn new() -> Progress {
        let interactive = std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        if !interactive {
            return Progress { state: None };
        }
        let state = Arc::new(Mutex::new(State::default()));
        let ticker = Arc::downgrade(&state);
        std::thread::spawn(move || {
            while let Some(state) = ticker.upgrade() {
                {
                    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                    if s.stopped {
                        return;
                    }
                    draw(&mut s);
                }
                drop(state);
                std::thread::sleep(TICK);
            }
        });
        Progress { state: Some(state) }
    }

    fn with(&self, f: impl FnOnce(&mut State)) {
        if let Some(state) = &self.state {
            f(&mut state.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }

    pub(crate) fn suite(&self, checks: usize) {
        self.with(|s| {
            s.total += checks;
            s.started.get_or_insert_with(Instant::now);
        });
    }

    pub(crate) fn started(&self, index: usize, id: &str) {
        self.with(|s| s.running.push((index, id.to_string(), None)));
    }

    /// Whether the line is drawn at all (on an interactive terminal).
    pub(crate) fn is_live(&self) -> bool {
        self.state.is_some()
    }

    /// How far the check at `index` has got (`1,234/5,000 requests`), shown after its id
    /// until it finishes.
    pub(crate) fn check_detail(&self, index: usize, detail: String) {
        self.with(|s| {
            if let Some(r) = s.running.iter_mut().find(|r| r.0 == index) {
                r.2 = Some(detail);
            }
        });
    }

    /// The setup step running (`setup 2/4: POST /login`); `None` once setup is over.
    pub(crate) fn setup(&self, step: Option<String>) {
        self.with(|s| s.setup = step);
    }

    pub(crate) fn finished(&self, index: usize) {
        self.with(|s| {
            s.running.retain(|(i, _, _)| *i != index);
            s.done += 1;
        });
    }

    /// Prints `line` on stdout with the status line out of its way.
    pub(crate) fn print(&self, out: &mut impl Write, line: &str) {
        match &self.state {
            None => {
                let _ = writeln!(out, "{line}");
            }
            Some(state) => {
                let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                clear(&mut s);
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
                if !s.stopped {
                    draw(&mut s);
                }
            }
        }
    }

    /// Removes the line for good (before the summary).
    pub(crate) fn stop(&self) {
        self.with(|s| {
            clear(s);
            s.stopped = true;
        });
    }
}

fn clear(s: &mut State) {
    if s.shown {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
        s.shown = false;
    }
}

fn draw(s: &mut State) {
    let Some(started) = s.started else { return };
    if s.total == 0 {
        return;
    }
    let text = line(s, started.elapsed(), terminal_width());
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{text}");
    let _ = err.flush();
    s.shown = true;
}

/// The status line's text, cut to `width` columns: `[3/10] 4.20s running: load-test
/// (1,234/5,000 requests), get-users`, or `[0/10] 1.10s setup 2/4: POST /login`.
fn line(s: &State, elapsed: Duration, width: usize) -> String {
    let ids: Vec<String> = s
        .running
        .iter()
        .map(|(_, id, detail)| match detail {
            Some(d) => format!("{id} ({d})"),
            None => id.clone(),
        })
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let running = if ids.is_empty() {
        String::new()
    } else {
        format!(" running: {}", crate::text::short_list(&ids, 3))
    };
    let setup = s
        .setup
        .as_ref()
        .map(|step| format!(" {step}"))
        .unwrap_or_default();
    let text = format!(
        "[{}/{}] {}{setup}{running}",
        s.done,
        s.total,
        crate::text::human_duration(elapsed)
    );
    if text.chars().count() > width {
        text.chars()
            .take(width.saturating_sub(1))
            .collect::<String>()
            + "…"
    } else {
        text
    }
}

/// The width of the terminal on stderr, asked of the terminal itself (the `TIOCGWINSZ`
/// ioctl, so a resized window is followed), else `$COLUMNS` (which shells rarely export),
/// else 80.
fn terminal_width() -> usize {
    let asked = terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| w.0 as usize);
    let columns = || std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    fit_width(asked.or_else(columns))
}

/// The status line's width on a terminal `columns` wide: one column short of it, so the
/// line never reaches the last column (where terminals wrap, or defer the wrap, leaving a
/// copy at each redraw).
fn fit_width(columns: Option<usize>) -> usize {
    columns
        .filter(|w| *w > 0)
        .unwrap_or(80)
        .saturating_sub(1)
        .max(10)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    fn state(running: &[(&str, Option<&str>)], setup: Option<&str>) -> super::State {
        super::State {
            total: 10,
            done: 3,
            running: running
                .iter()
                .enumerate()
                .map(|(i, (id, d))| (i, id.to_string(), d.map(str::to_string)))
                .collect(),
            setup: setup.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn a_check_shows_how_far_it_has_got_after_its_id() {
        let s = state(
            &[
                ("load-test", Some("1,234/5,000 requests")),
                ("get-users", None),
            ],
            None,
        );
        assert_eq!(
            super::line(&s, Duration::from_millis(4200), 200),
            "[3/10] 4.20s running: load-test (1,234/5,000 requests), get-users"
        );
    }

    #[test]
    fn the_setup_step_shows_while_it_runs() {
        let s = state(&[], Some("setup 2/4: POST /login"));
        assert_eq!(
            super::line(&s, Duration::from_millis(1100), 200),
            "[3/10] 1.10s setup 2/4: POST /login"
        );
    }

    #[test]
    fn the_line_is_cut_to_the_width_it_is_given() {
        let s = state(&[("load-test", Some("1,234/5,000 requests"))], None);
        let cut = super::line(&s, Duration::from_secs(1), 30);
        assert_eq!(cut, "[3/10] 1.00s running: load-te…");
        assert_eq!(cut.chars().count(), 30);
    }

    #[test]
    fn the_line_stays_short_of_the_last_column() {
        assert_eq!(super::fit_width(Some(70)), 69);
        assert_eq!(super::fit_width(Some(200)), 199);
        assert_eq!(super::fit_width(None), 79);
        assert_eq!(super::fit_width(Some(0)), 79);
        assert_eq!(super::fit_width(Some(4)), 10);
    }
}
