//! Writing report files atomically: a temporary file beside the target, then a rename, so a
//! CI step never reads a half-written report.

use crate::error::Error;
use std::io::Write;
use std::path::Path;

pub(crate) fn write_atomic(what: &'static str, path: &Path, contents: &str) -> Result<(), Error> {
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
    // Created as any tool creates its output: 0666 less the umask (0644 under 022), not
    // the private 0600 of a temporary file.
    let mut tmp = tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .prefix(".harden-")
        .tempfile_in(dir)
        .map_err(|e| fail(crate::reason::io(&e)))?;
    tmp.write_all(contents.as_bytes())
        .map_err(|e| fail(crate::reason::io(&e)))?;
    tmp.persist(path)
        .map_err(|e| fail(crate::reason::io(&e.error)))?;
    Ok(())
}
