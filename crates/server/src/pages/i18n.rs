//! The pages' two languages: Simplified Chinese first, English second. Texts live in
//! Fluent files (`locales/*/main.ftl`) compiled into the binary.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use axum::http::{header, HeaderMap};
use axum_extra::extract::CookieJar;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, LanguageIdentifier, Loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Bidi isolation marks around arguments would show as stray characters in tests
        // and copy-paste; both languages run left to right.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH_KEYS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| keys(include_str!("../../locales/zh-CN/main.ftl")));
static EN_KEYS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| keys(include_str!("../../locales/en/main.ftl")));

/// The message ids of a Fluent file: lines that start a message (`key = …`).
fn keys(ftl: &'static str) -> HashSet<&'static str> {
    ftl.lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|line| line.split_once(" =").map(|(key, _)| key.trim()))
        .collect()
}

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "youthloop_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

static ZH: LazyLock<LanguageIdentifier> = LazyLock::new(|| "zh-CN".parse().unwrap_or_default());
static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().unwrap_or_default());

impl Lang {
    pub fn parse(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The remembered choice, else the first language the browser asks for that we
    /// speak, else Chinese.
    pub fn of(headers: &HeaderMap) -> Self {
        if let Some(lang) = CookieJar::from_headers(headers)
            .get(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
        {
            return lang;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut asked: Vec<(f32, Lang)> = accept
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let lang = Lang::parse(bits.next()?)?;
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        // Stable: among equal weights the browser's order stands.
        asked.sort_by(|a, b| b.0.total_cmp(&a.0));
        asked.first().map_or(Lang::Zh, |(_, lang)| *lang)
    }

    /// The `lang` attribute of the page.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// A text with named arguments.
    pub fn t_with(self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Owned((*name).to_owned()), value.clone()))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// Whether the key has a text in this language.
    pub fn has(self, key: &str) -> bool {
        let keys = match self {
            Lang::Zh => &*ZH_KEYS,
            Lang::En => &*EN_KEYS,
        };
        keys.contains(key)
    }

    /// The API's messages are written `中文 / English`: the part in this language.
    pub fn pick(self, message: &str) -> String {
        match (self, message.split_once(" / ")) {
            (Lang::Zh, Some((zh, _))) => zh.to_owned(),
            (Lang::En, Some((_, en))) => en.to_owned(),
            (_, None) => message.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_languages_have_every_key() {
        let zh: BTreeSet<_> = ZH_KEYS.iter().collect();
        let en: BTreeSet<_> = EN_KEYS.iter().collect();
        assert!(zh.len() > 50, "{}", zh.len());
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "missing in English: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in Chinese: {only_en:?}");
        // Every variable any message uses, so that each message can be formatted.
        let ftl = include_str!("../../locales/zh-CN/main.ftl");
        let vars: BTreeSet<&str> = ftl
            .split("{ $")
            .skip(1)
            .filter_map(|rest| rest.split(' ').next())
            .collect();
        let args: Vec<(&str, FluentValue<'_>)> =
            vars.iter().map(|v| (*v, FluentValue::from("1"))).collect();
        for key in &zh {
            for lang in [Lang::Zh, Lang::En] {
                let text = lang.t_with(key, &args);
                assert!(
                    !text.is_empty() && !text.starts_with("Unknown localization"),
                    "{key} does not load in {lang:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn the_cookie_wins_then_the_browser_then_chinese() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of(&headers), Lang::Zh);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "en-US,en;q=0.9,zh;q=0.8".parse().unwrap(),
        );
        assert_eq!(Lang::of(&headers), Lang::En);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "fr, en;q=0.5, zh-CN;q=0.7".parse().unwrap(),
        );
        assert_eq!(Lang::of(&headers), Lang::Zh);
        headers.insert(header::ACCEPT_LANGUAGE, "de".parse().unwrap());
        assert_eq!(Lang::of(&headers), Lang::Zh);
        headers.insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
        headers.insert(header::COOKIE, format!("{LANG_COOKIE}=zh").parse().unwrap());
        assert_eq!(Lang::of(&headers), Lang::Zh);
    }

    #[test]
    fn api_messages_split_by_language() {
        assert_eq!(Lang::Zh.pick("未找到 / Not found"), "未找到");
        assert_eq!(Lang::En.pick("未找到 / Not found"), "Not found");
        assert_eq!(Lang::En.pick("plain"), "plain");
    }
}
