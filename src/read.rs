//! Reading files with a limit: every file harden reads is bounded, so a wrong path
//! (`/dev/zero`, a log in place of a suite) is a clear error, never a machine out of memory.
//! The limits are documented in docs/RELIABILITY.md.

use std::io::Read;
use std::path::Path;

const MIB: u64 = 1024 * 1024;
/// A suite file, or a JSON Schema file a suite names (a generated suite of 100,000
/// checks is about 10 MiB).
pub(crate) const SUITE_FILE: u64 = 64 * MIB;
/// A results JSON (`--baseline`, `harden report`).
pub(crate) const RESULTS_FILE: u64 = 256 * MIB;
/// A JUnit file a `command` check reads, a requirements file, an audit log.
pub(crate) const CHECKED_FILE: u64 = 64 * MIB;
/// One source file the `code` kind scans; larger ones are skipped and counted.
pub(crate) const SOURCE_FILE: u64 = 8 * MIB;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    TooLarge { limit: u64 },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => f.write_str(&crate::reason::io(e)),
            ReadError::TooLarge { limit } => {
                write!(f, "it is larger than the {} limit", size(*limit))
            }
        }
    }
}

/// `4 MiB`, `512 KiB`, `100 bytes`.
pub(crate) fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// The file's bytes, if it holds at most `limit` of them.
pub(crate) fn bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(buf)
}

/// The file as text, if it holds at most `limit` bytes. A NUL byte stops the read at
/// once (a binary, a device such as `/dev/zero`: not text, however long); invalid UTF-8
/// is an error too.
pub(crate) fn text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let not_text = |why: &str| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            why.to_string(),
        ))
    };
    let mut file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if chunk[..n].contains(&0) {
            return Err(not_text("it is not a text file (it holds NUL bytes)"));
        }
        if (buf.len() + n) as u64 > limit {
            return Err(ReadError::TooLarge { limit });
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).map_err(|_| not_text("it is not UTF-8 text"))
}

/// Parses JSON as it is read, without holding the text: an endless or huge file costs at
/// most `limit` bytes of reading and fails at its first byte that is not JSON.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    path: &Path,
    limit: u64,
) -> Result<T, JsonError> {
    let file = std::fs::File::open(path).map_err(|e| JsonError::Read(ReadError::Io(e)))?;
    let mut reader = std::io::BufReader::new(file).take(limit + 1);
    // Through a `Value`: numbers are kept exactly as written (serde_json's
    // `arbitrary_precision`), and read into typed fields from there.
    let parsed = serde_json::from_reader::<_, serde_json::Value>(&mut reader);
    if reader.limit() == 0 {
        return Err(JsonError::Read(ReadError::TooLarge { limit }));
    }
    let value = parsed.map_err(|e| {
        if e.is_io() {
            JsonError::Read(ReadError::Io(std::io::Error::other(e.to_string())))
        } else {
            JsonError::Parse(e)
        }
    })?;
    serde_json::from_value(value).map_err(JsonError::Parse)
}

#[derive(Debug)]
pub(crate) enum JsonError {
    Read(ReadError),
    Parse(serde_json::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_refused_at_the_limit() {
        match bytes(Path::new("/dev/zero"), 1024) {
            Err(ReadError::TooLarge { limit: 1024 }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_fails_at_the_first_bad_byte_without_reading_on() {
        let started = std::time::Instant::now();
        match json::<serde_json::Value>(Path::new("/dev/zero"), RESULTS_FILE) {
            Err(JsonError::Parse(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn json_over_the_limit_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, format!("[\"{}\"]", "x".repeat(4096))).unwrap();
        match json::<serde_json::Value>(&path, 1024) {
            Err(JsonError::Read(ReadError::TooLarge { limit: 1024 })) => {}
            other => panic!("{other:?}"),
        }
        assert!(json::<serde_json::Value>(&path, 8192).is_ok());
    }

    #[test]
    fn text_stops_at_the_first_nul_and_at_the_limit() {
        match text(Path::new("/dev/zero"), SUITE_FILE) {
            Err(ReadError::Io(e)) => assert!(e.to_string().contains("NUL"), "{e}"),
            other => panic!("{other:?}"),
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.yaml");
        std::fs::write(&p, "x".repeat(5000)).unwrap();
        assert!(matches!(
            text(&p, 4096),
            Err(ReadError::TooLarge { limit: 4096 })
        ));
        assert_eq!(text(&p, 8192).unwrap().len(), 5000);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(4 * MIB), "4 MiB");
        assert_eq!(size(64 * 1024), "64 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
