//! `harden validate`, `harden list` and `harden schema`: they never start anything.

use crate::cli::SuiteArgs;
use crate::commands::suites;
use crate::error::Error;
use crate::suite::LoadErrors;
use std::io::Write;

/// Validates every suite given (a directory: every suite under it), printing `ok:` for
/// each valid one and every error of every other; exit 2 when any is wrong. Nothing is
/// started.
pub(crate) fn validate(args: &SuiteArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suites)?;
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for p in &paths {
        match crate::suite::load(p, &args.vars) {
            Ok(s) => {
                let n = s.checks.len();
                println!(
                    "ok: {} (suite `{}`, {})",
                    s.file.display(),
                    s.name,
                    crate::text::plural(n, "check")
                );
                loaded.push(s);
            }
            Err(LoadErrors(es)) => errors.extend(es),
        }
    }
    if !errors.is_empty() {
        let (n, wrong) = (errors.len(), paths.len() - loaded.len());
        let mut err = anstream::stderr();
        let _ = writeln!(err, "error: {}", LoadErrors(errors));
        let _ = writeln!(
            err,
            "{} in {} of {}",
            crate::text::plural(n, "error"),
            crate::text::plural(wrong, "suite"),
            paths.len()
        );
        return Ok(crate::error::EXIT_USAGE);
    }
    suites::unknown_vars(&loaded, &args.vars)?;
    Ok(crate::error::EXIT_OK)
}

pub(crate) fn list(args: &SuiteArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suites)?;
    let all = suites::load_all(&paths, &args.vars)?;
    let mut rows = vec![[
        "id".to_string(),
        "kind".into(),
        "category".into(),
        "severity".into(),
        "location".into(),
    ]];
    for s in &all {
        for c in &s.checks {
            rows.push([
                c.id.to_string(),
                c.kind.name().to_string(),
                c.category.to_string(),
                c.severity.as_str().to_string(),
                format!("{}:{}", c.pos.file.display(), c.pos.line),
            ]);
        }
    }
    print!("{}", columns(&rows));
    Ok(crate::error::EXIT_OK)
}

/// Rows as columns two spaces apart, each as wide as its widest cell (in characters); the
/// last column is not padded.
fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub(crate) fn schema(results: bool) -> Result<u8, Error> {
    let schema = if results {
        schemars::schema_for!(crate::report::ResultsFile)
    } else {
        schemars::schema_for!(crate::suite::SuiteRaw)
    };
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Error::Usage(e.to_string()))?;
    println!("{text}");
    Ok(crate::error::EXIT_OK)
}

#[cfg(test)]
mod tests {
    /// The published schema must accept every real suite, or editors would flag valid files.
    #[test]
    fn schema_accepts_every_shipped_suite() {
        let schema = serde_json::to_value(schemars::schema_for!(crate::suite::SuiteRaw)).unwrap();
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("checks/orchestrator.yaml")];
        for dir in std::fs::read_dir(root.join("fixtures/suites"))
            .unwrap()
            .map(|e| e.unwrap().path())
        {
            if dir.file_name().is_some_and(|n| n != "invalid") {
                files.extend(std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()));
            }
        }
        for f in files {
            let doc: serde_json::Value =
                serde_saphyr::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
        }
    }

    #[test]
    fn schema_rejects_a_misspelled_key() {
        let schema = serde_json::to_value(schemars::schema_for!(crate::suite::SuiteRaw)).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let doc = serde_json::json!({ "suite": "s", "checks": [{ "id": "a", "htp": {} }] });
        assert!(!validator.is_valid(&doc));
    }
}
