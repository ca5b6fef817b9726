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
    running: Vec<(usize, String)>,
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
        self.with(|s| s.running.push((index, id.to_string())));
    }

    pub(crate) fn finished(&self, index: usize) {
        self.with(|s| {
            s.running.retain(|(i, _)| *i != index);
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
    let ids: Vec<&str> = s.running.iter().map(|(_, id)| id.as_str()).collect();
    let running = if ids.is_empty() {
        String::new()
    } else {
        format!(" running: {}", crate::text::short_list(&ids, 3))
    };
    let mut text = format!(
        "[{}/{}] {}{running}",
        s.done,
        s.total,
        crate::text::human_duration(started.elapsed())
    );
    let width = terminal_width();
    if text.chars().count() > width {
        text = text
            .chars()
            .take(width.saturating_sub(1))
            .collect::<String>()
            + "…";
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{text}");
    let _ = err.flush();
    s.shown = true;
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
    #[test]
    fn the_line_stays_short_of_the_last_column() {
        assert_eq!(super::fit_width(Some(70)), 69);
        assert_eq!(super::fit_width(Some(200)), 199);
        assert_eq!(super::fit_width(None), 79);
        assert_eq!(super::fit_width(Some(0)), 79);
        assert_eq!(super::fit_width(Some(4)), 10);
    }
}
