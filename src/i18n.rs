//! Every text a user sees, from `locales/{ru,en}/*.ftl` (Fluent), Russian first.
//!
//! Each journey keeps its own `.ftl` file so that journeys can change independently; the files of a language
//! are merged into one bundle. `t!(lang, "key", name = value)` formats a message; tests check that every key
//! used in the code exists in Russian and that English has every Russian message.

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};

#[derive(RustEmbed)]
#[folder = "locales/"]
struct Locales;

/// The languages the bot speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Chooses from Telegram's `language_code`: English for English clients, Russian for everyone else.
    pub fn from_telegram(code: Option<&str>) -> Lang {
        match code.map(|c| c.split(['-', '_']).next().unwrap_or(c).to_ascii_lowercase()) {
            Some(c) if c == "en" => Lang::En,
            _ => Lang::Ru,
        }
    }
}

struct Catalog {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

fn build_bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let langid: unic_langid::LanguageIdentifier = lang.code().parse().expect("static language id");
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Unicode isolation marks around arguments confuse Telegram clients and tests alike.
    bundle.set_use_isolating(false);
    for (name, source) in locale_files(lang) {
        let resource = FluentResource::try_new(source)
            .unwrap_or_else(|(_, errors)| panic!("locales/{}/{name}: {errors:?}", lang.code()));
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("locales/{}/{name}: {errors:?}", lang.code()));
    }
    bundle
}

/// The `.ftl` files of a language, by file name.
pub fn locale_files(lang: Lang) -> Vec<(String, String)> {
    let prefix = format!("{}/", lang.code());
    let mut files: Vec<(String, String)> = Locales::iter()
        .filter(|path| path.starts_with(&prefix) && path.ends_with(".ftl"))
        .filter_map(|path| {
            let file = Locales::get(&path)?;
            let text = String::from_utf8(file.data.into_owned()).ok()?;
            Some((path[prefix.len()..].to_owned(), text))
        })
        .collect();
    files.sort();
    files
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    bundles: Lang::ALL
        .iter()
        .map(|&lang| (lang, build_bundle(lang)))
        .collect(),
});

/// Formats message `key` in `lang` with `args`. A missing key shows the key (and is caught by tests).
pub fn format(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let bundle = &CATALOG.bundles[&lang];
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, lang = lang.code(), "missing locale message");
        return key.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            key,
            lang = lang.code(),
            ?errors,
            "locale message did not format cleanly"
        );
    }
    text.into_owned()
}

/// Whether `key` exists in `lang`.
pub fn has(lang: Lang, key: &str) -> bool {
    CATALOG.bundles[&lang].has_message(key)
}

/// `t!(lang, "key")` or `t!(lang, "key", name = value, …)`: a localized string.
#[macro_export]
macro_rules! t {
    ($lang:expr, $key:literal) => {
        $crate::i18n::format($lang, $key, &[])
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::format(
            $lang,
            $key,
            &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),+],
        )
    };
}

/// Escapes user-provided text for Telegram's HTML parse mode.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn message_ids(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned()).expect("valid Fluent");
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    fn all_ids(lang: Lang) -> BTreeSet<String> {
        locale_files(lang)
            .iter()
            .flat_map(|(_, text)| message_ids(text))
            .collect()
    }

    #[test]
    fn english_has_every_russian_message_and_nothing_else() {
        let ru = all_ids(Lang::Ru);
        let en = all_ids(Lang::En);
        assert!(!ru.is_empty());
        let missing: Vec<_> = ru.difference(&en).collect();
        let extra: Vec<_> = en.difference(&ru).collect();
        assert!(missing.is_empty(), "missing in locales/en: {missing:?}");
        assert!(extra.is_empty(), "only in locales/en: {extra:?}");
    }

    #[test]
    fn both_languages_have_the_same_files() {
        let names = |lang| {
            locale_files(lang)
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Lang::Ru), names(Lang::En));
    }

    #[test]
    fn every_message_formats_without_errors_in_both_languages() {
        // Building the catalog panics on a syntax error or a duplicate id across files.
        for lang in Lang::ALL {
            assert!(!CATALOG.bundles[&lang].has_message("no-such-message"));
        }
    }

    /// Collects the literal keys of every `t!(lang, "key"…)` in the sources.
    fn keys_used_in_code() -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_some_and(|e| e == "rs") {
                    let source = std::fs::read_to_string(&path).unwrap();
                    for (at, _) in source.match_indices("t!(") {
                        // Only the `t!` macro itself, not `assert!(` or `print!(`.
                        let before = source[..at].chars().next_back();
                        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                            continue;
                        }
                        let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
                        if source[line_start..at].trim_start().starts_with("//") {
                            continue;
                        }
                        let rest = &source[at + 3..];
                        let Some(comma) = rest.find(',') else {
                            continue;
                        };
                        let after = rest[comma + 1..].trim_start();
                        let Some(literal) = after.strip_prefix('"') else {
                            continue;
                        };
                        let Some(end) = literal.find('"') else {
                            continue;
                        };
                        let key = &literal[..end];
                        if key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                            && !key.is_empty()
                        {
                            keys.insert(key.to_owned());
                        }
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn every_key_used_in_the_code_exists_in_russian() {
        let ru = all_ids(Lang::Ru);
        let used = keys_used_in_code();
        assert!(
            used.len() > 10,
            "the key scanner found too few keys: {used:?}"
        );
        let missing: Vec<_> = used.difference(&ru).collect();
        assert!(
            missing.is_empty(),
            "used in code but missing in locales/ru: {missing:?}"
        );
    }

    #[test]
    fn language_follows_telegram_with_russian_as_default() {
        assert_eq!(Lang::from_telegram(Some("en")), Lang::En);
        assert_eq!(Lang::from_telegram(Some("en-US")), Lang::En);
        assert_eq!(Lang::from_telegram(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_telegram(Some("uk")), Lang::Ru);
        assert_eq!(Lang::from_telegram(None), Lang::Ru);
    }

    #[test]
    fn arguments_are_substituted_without_isolation_marks() {
        let text = format(
            Lang::Ru,
            "group-refusal",
            &[("bot", FluentValue::from("kvrachu_bot"))],
        );
        assert!(text.contains("@kvrachu_bot"), "{text}");
        assert!(!text.contains('\u{2068}'));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<b>Иван & \"Ко\"</b>"),
            "&lt;b&gt;Иван &amp; &quot;Ко&quot;&lt;/b&gt;"
        );
    }
}
