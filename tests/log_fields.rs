//! Log lines name a user by an opaque tag ([`kvrachu_bot::telemetry::user_tag`]), never by a Telegram id:
//! a `user = …` field in a log call of `src/` is always `user = %crate::telemetry::user_tag(…)`.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn log_calls_name_users_by_tag_only() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut raw = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            // A log field is `user = …` inside a macro call; `let user = …` is a variable.
            for (at, _) in code.match_indices("user = ") {
                let before = &code[..at];
                if before.trim_end().ends_with("let") || before.ends_with('_') {
                    continue;
                }
                let value = &code[at + "user = ".len()..];
                if !value.starts_with("%crate::telemetry::user_tag(") {
                    raw.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        raw.is_empty(),
        "log fields naming a raw user id:\n{}",
        raw.join("\n")
    );
}

#[test]
fn the_tag_does_not_show_the_id() {
    let id = 5_123_456_789;
    let tag = kvrachu_bot::telemetry::user_tag(id);
    assert!(!tag.contains("5123456789"));
    assert_eq!(tag, kvrachu_bot::telemetry::user_tag(id));
}
