//! The pages' two languages: Simplified Chinese first, English second. Texts live in
//! Fluent files (`locales/*/main.ftl`) compiled into the binary.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use axum::http::{header, HeaderMap};
use axum_extra::extract::CookieJar;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, LanguageIdentifier, Loader};
use time::{Date, Month, OffsetDateTime};
use youthloop_domain::parse::SHANGHAI;

fn month_abbr(month: Month) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::from(u8::from(month)) - 1]
}

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

    /// A day as a date on a form or a record: `2013年4月1日`, `1 Apr 2013`.
    pub fn date(self, day: Date) -> String {
        match self {
            Lang::Zh => format!("{}年{}月{}日", day.year(), u8::from(day.month()), day.day()),
            Lang::En => format!("{} {} {}", day.day(), month_abbr(day.month()), day.year()),
        }
    }

    /// A month of a chart: `2026年1月`, `Jan 2026`.
    pub fn month(self, year: i32, month: Month) -> String {
        match self {
            Lang::Zh => format!("{year}年{}月", u8::from(month)),
            Lang::En => format!("{} {year}", month_abbr(month)),
        }
    }

    /// A moment as people read a notice: Beijing time, with the weekday, and the year
    /// only when it is not this one: `12月4日（周六）09:30`, `Sat 4 Dec 09:30`.
    pub fn when(self, at: OffsetDateTime, today: Date) -> String {
        let local = at.to_offset(SHANGHAI);
        // Nothing between a full-width bracket and the time in Chinese.
        let gap = if self == Lang::Zh { "" } else { " " };
        let day = self.day_of(local.date(), today);
        format!("{day}{gap}{:02}:{:02}", local.hour(), local.minute())
    }

    /// From one moment to another; the day once when both fall on it:
    /// `12月4日（周六）09:30–11:30`.
    pub fn span(self, from: OffsetDateTime, to: OffsetDateTime, today: Date) -> String {
        let (start, end) = (from.to_offset(SHANGHAI), to.to_offset(SHANGHAI));
        if start.date() == end.date() {
            format!(
                "{}–{:02}:{:02}",
                self.when(from, today),
                end.hour(),
                end.minute()
            )
        } else {
            format!("{} – {}", self.when(from, today), self.when(to, today))
        }
    }

    /// A day with its weekday: `12月4日（周六）`, `Sat 4 Dec`.
    pub fn day_of(self, day: Date, today: Date) -> String {
        let year = day.year() != today.year();
        match self {
            Lang::Zh => {
                let weekday = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
                    [usize::from(day.weekday().number_days_from_monday())];
                let year = if year {
                    format!("{}年", day.year())
                } else {
                    String::new()
                };
                format!(
                    "{year}{}月{}日（{weekday}）",
                    u8::from(day.month()),
                    day.day()
                )
            }
            Lang::En => {
                let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                    [usize::from(day.weekday().number_days_from_monday())];
                let year = if year {
                    format!(" {}", day.year())
                } else {
                    String::new()
                };
                format!("{weekday} {} {}{year}", day.day(), month_abbr(day.month()))
            }
        }
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
    use time::macros::{date, datetime};

    /// Chinese text takes full-width punctuation, and nothing between itself and a
    /// name put into it (`{ $name }的奖章墙`, not `{ $name } 的奖章墙`).
    #[test]
    fn chinese_messages_use_chinese_punctuation() {
        let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        for ftl in [
            include_str!("../../locales/zh-CN/main.ftl"),
            include_str!("../../locales/en/main.ftl"),
        ] {
            for line in ftl.lines().filter(|l| !l.starts_with('#')) {
                let Some((key, text)) = line.split_once(" = ") else {
                    continue;
                };
                if !text.chars().any(han) {
                    continue;
                }
                // What a placeholder holds is not the message's own punctuation.
                let own: String = text
                    .split('{')
                    .enumerate()
                    .map(|(i, part)| {
                        if i == 0 {
                            part
                        } else {
                            part.split_once('}').map_or("", |p| p.1)
                        }
                    })
                    .collect();
                let ascii: Vec<char> = own.chars().filter(|c| ":;,!?()".contains(*c)).collect();
                assert!(
                    ascii.is_empty(),
                    "{key} = {text}: ASCII {ascii:?} in Chinese"
                );
                for name in ["{ $name }", "{ $community }"] {
                    let spaced = text.split(name).collect::<Vec<_>>();
                    for pair in spaced.windows(2) {
                        let before = pair[0].chars().rev().take_while(|c| *c == ' ').count();
                        let after = pair[1].chars().take_while(|c| *c == ' ').count();
                        let han_before = pair[0].trim_end().chars().last().is_some_and(han);
                        let han_after = pair[1].trim_start().chars().next().is_some_and(han);
                        assert!(
                            !(before > 0 && han_before || after > 0 && han_after),
                            "{key} = {text}: a space between Chinese and {name}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn moments_read_as_a_notice_in_beijing_time() {
        let today = date!(2026 - 12 - 01);
        // 01:30 UTC on Saturday is 09:30 in Beijing.
        let at = datetime!(2026-12-05 01:30 UTC);
        assert_eq!(Lang::Zh.when(at, today), "12月5日（周六）09:30");
        assert_eq!(Lang::En.when(at, today), "Sat 5 Dec 09:30");
        // Late on a Sunday in UTC is already Monday in Beijing.
        let monday = datetime!(2026-12-06 23:00 UTC);
        assert_eq!(Lang::Zh.when(monday, today), "12月7日（周一）07:00");
        // Another year says so.
        let next_year = datetime!(2027-01-02 06:00 UTC);
        assert_eq!(Lang::Zh.when(next_year, today), "2027年1月2日（周六）14:00");
        assert_eq!(Lang::En.when(next_year, today), "Sat 2 Jan 2027 14:00");
        assert_eq!(
            Lang::Zh.span(at, at + time::Duration::hours(2), today),
            "12月5日（周六）09:30–11:30"
        );
        assert_eq!(
            Lang::Zh.span(at, at + time::Duration::days(1), today),
            "12月5日（周六）09:30 – 12月6日（周日）09:30"
        );
        assert_eq!(Lang::Zh.date(date!(2013 - 04 - 01)), "2013年4月1日");
        assert_eq!(Lang::Zh.month(2026, Month::January), "2026年1月");
        assert_eq!(Lang::En.month(2026, Month::January), "Jan 2026");
        assert_eq!(Lang::En.date(date!(2013 - 04 - 01)), "1 Apr 2013");
    }

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
