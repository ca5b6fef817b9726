//! Writing report files atomically: a temporary file beside the target, then a rename, so a
//! CI step never reads a half-written report. A report is written to that file as it is
//! rendered, never held whole in memory.

use crate::error::Error;
use std::io::Write;
use std::path::Path;

pub(crate) fn write_atomic(what: &'static str, path: &Path, contents: &str) -> Result<(), Error> {
    write_atomic_with(what, path, |w| {
        w.write_all(contents.as_bytes())
            .map_err(|e| crate::reason::io(&e))
    })
}

/// A report being written: text goes straight to the file (or any writer), and the first
/// failed write is kept for the end, so renderers write with `write!` as they would to a
/// `String`.
pub(crate) struct Out<'w> {
    w: &'w mut dyn Write,
    error: Option<std::io::Error>,
}

impl<'w> Out<'w> {
    pub(crate) fn new(w: &'w mut dyn Write) -> Out<'w> {
        Out { w, error: None }
    }

    pub(crate) fn push_str(&mut self, s: &str) {
        if self.error.is_none()
            && let Err(e) = self.w.write_all(s.as_bytes())
        {
            self.error = Some(e);
        }
    }

    pub(crate) fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// The first write that failed, if one did.
    pub(crate) fn finish(self) -> std::io::Result<()> {
        self.error.map_or(Ok(()), Err)
    }
}

impl std::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// A report rendered in memory, for the tests and the benches: `harden` writes every
/// report to its file as it renders it.
#[cfg(any(test, feature = "bench-internals"))]
pub(crate) fn to_string(render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    let _ = render(&mut buf);
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes a report to `path` atomically as `render` writes it, without holding it in
/// memory. `render`'s error, or a write that failed, is the report's error.
pub(crate) fn write_atomic_with(
    what: &'static str,
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<(), Error> {
    let fail = |reason: String| Error::Report {
        what,
        path: path.display().to_string(),
        reason,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail(crate::reason::io(&e)))?;
    let tmp = tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .prefix(".harden-")
        .tempfile_in(dir)
        .map_err(|e| fail(crate::reason::io(&e)))?;
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, tmp);
    render(&mut w).map_err(fail)?;
    let tmp = w
        .into_inner()
        .map_err(|e| fail(crate::reason::io(e.error())))?;
    tmp.persist(path)
        .map_err(|e| fail(crate::reason::io(&e.error)))?;
    Ok(())
}
