//! User-visible text in Fluent message files, Vietnamese first, English second.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// The interface languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    /// Vietnamese, the default.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The language tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The message for a key.
    pub fn t(self, key: &str) -> String {
        self.t_args(key, &[])
    }

    /// The message for a key with named arguments.
    pub fn t_args(self, key: &str, args: &[(&str, &str)]) -> String {
        let bundle = bundle(self);
        let Some(msg) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = self.tag(), "missing message");
            return key.to_string();
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.to_string());
        }
        let mut errors = Vec::new();
        bundle.format_pattern(msg, if args.is_empty() { None } else { Some(&fargs) }, &mut errors).into_owned()
    }

    /// Picks the English variant of a data text when the interface is English and one exists.
    pub fn pick<'a>(self, vi: &'a str, en: Option<&'a str>) -> &'a str {
        match (self, en) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ => vi,
        }
    }
}

fn load(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    let res = FluentResource::try_new(source.to_string()).expect("locale file parses");
    let mut bundle = FluentBundle::new_concurrent(vec![tag.parse().expect("language tag")]);
    // Isolation marks around arguments would show up as stray characters in plain-text output.
    bundle.set_use_isolating(false);
    bundle.add_resource(res).expect("no duplicate messages");
    bundle
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static VI: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    match lang {
        Lang::Vi => VI.get_or_init(|| load("vi", include_str!("../locales/vi.ftl"))),
        Lang::En => EN.get_or_init(|| load("en", include_str!("../locales/en.ftl"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of a file: lines `id = …` at the start of a line.
    fn keys(source: &str) -> std::collections::BTreeSet<String> {
        source
            .lines()
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id))
            .filter(|id| id.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map(str::to_string)
            .collect()
    }

    /// Both languages load (no message twice) and say the same things, so no page falls back to
    /// a bare key in one language.
    #[test]
    fn both_languages_load_and_have_the_same_messages() {
        let _ = bundle(Lang::Vi);
        let _ = bundle(Lang::En);
        let vi = keys(include_str!("../locales/vi.ftl"));
        let en = keys(include_str!("../locales/en.ftl"));
        assert!(vi.len() > 300 && vi.iter().all(|k| bundle(Lang::Vi).has_message(k)));
        assert_eq!(vi.symmetric_difference(&en).collect::<Vec<_>>(), Vec::<&String>::new());
    }
}
