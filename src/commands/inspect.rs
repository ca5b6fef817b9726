//! `harden validate`, `harden list` and `harden schema`: they never start anything.

use crate::cli::SuiteArgs;
use crate::commands::suites;
use crate::error::Error;

pub(crate) fn validate(args: &SuiteArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suites)?;
    for s in suites::load_all(&paths, &args.vars)? {
        let n = s.checks.len();
        println!(
            "ok: {} (suite `{}`, {})",
            s.file.display(),
            s.name,
            crate::text::plural(n, "check")
        );
    }
    Ok(crate::error::EXIT_OK)
}

pub(crate) fn list(args: &SuiteArgs) -> Result<u8, Error> {
    let paths = suites::resolve(&args.suites)?;
    let all = suites::load_all(&paths, &args.vars)?;
    let w = all
        .iter()
        .flat_map(|s| s.checks.iter().map(|c| c.id.len()))
        .max()
        .unwrap_or(2)
        .max(2);
    println!(
        "{:<w$}  {:<10}  {:<12}  {:<8}  location",
        "id", "kind", "category", "severity"
    );
    for s in &all {
        for c in &s.checks {
            println!(
                "{:<w$}  {:<10}  {:<12}  {:<8}  {}:{}",
                c.id,
                c.kind.name(),
                c.category,
                c.severity.as_str(),
                c.pos.file.display(),
                c.pos.line
            );
        }
    }
    Ok(crate::error::EXIT_OK)
}

pub(crate) fn schema() -> Result<u8, Error> {
    let schema = schemars::schema_for!(crate::suite::SuiteRaw);
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Error::Usage(e.to_string()))?;
    println!("{text}");
    Ok(crate::error::EXIT_OK)
}
