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

    /// Ways of addressing the reader that the portal does not use: it says "Ông/Bà" (as the
    /// printed forms do), never "bạn" (too familiar), "quý khách" (a shop's word) or "quý vị".
    fn impolite_address(text: &str) -> Vec<String> {
        let words: Vec<String> =
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
        let mut found: Vec<String> = words.iter().filter(|w| *w == "bạn").cloned().collect();
        for pair in words.windows(2) {
            if pair[0] == "quý" && (pair[1] == "khách" || pair[1] == "vị") {
                found.push(pair.join(" "));
            }
        }
        // "Ông/Bà", capitalised both, wherever the pair is written.
        for (i, _) in text.char_indices() {
            let written: String = text[i..].chars().take(6).collect();
            if written.to_lowercase() == "ông/bà" && written != "Ông/Bà" {
                found.push(written);
            }
        }
        found
    }

    /// Every Vietnamese message — pages, errors, e-mails and text messages — addresses the
    /// reader one way, "Ông/Bà".
    #[test]
    fn the_vietnamese_messages_address_the_reader_as_ong_ba() {
        for (file, source) in
            [("vi.ftl", include_str!("../locales/vi.ftl")), ("notify.vi.ftl", include_str!("../locales/notify.vi.ftl"))]
        {
            let wrong: Vec<String> = source
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .filter_map(|l| Some((l, impolite_address(l))).filter(|(_, found)| !found.is_empty()))
                .map(|(l, found)| format!("{found:?} in {l}"))
                .collect();
            assert!(wrong.is_empty(), "{file} addresses the reader otherwise than \"Ông/Bà\":\n{}", wrong.join("\n"));
        }
        assert!(Lang::Vi.t("organisations-none").contains("Ông/Bà"));
        // The check finds what it is for.
        assert_eq!(impolite_address("Hồ sơ của bạn. Quý khách vui lòng chờ; ông/bà"), ["bạn", "quý khách", "ông/bà"]);
        assert!(impolite_address("Ban hành; Ông/Bà; bản sao").is_empty());
    }
}
