//! Types that parse: once a value of these types exists, it is valid.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::{DomainError, DomainResult};

/// An organization's public telephone: a landline with its area code (`010-62345678`)
/// or a mobile number, digits and hyphens as people write them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ContactPhone(String);

impl ContactPhone {
    pub fn parse(input: &str) -> DomainResult<Self> {
        let text = input.trim();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let ok = (7..=15).contains(&digits)
            && text.starts_with(|c: char| c.is_ascii_digit())
            && text.chars().all(|c| c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid(
                "contact_phone",
                "联系电话应为带区号的座机或手机号，如 010-62345678 / A contact phone is a landline with its area code or a mobile number, such as 010-62345678",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For a `tel:` link: the digits only.
    pub fn dialable(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

/// A mainland China mobile number: 11 digits, `1` then `3`–`9`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> DomainResult<Self> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let digits = compact.strip_prefix("+86").unwrap_or(&compact);
        let bytes = digits.as_bytes();
        let ok = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(DomainError::invalid(
                "phone",
                "手机号应为11位中国大陆手机号 / Phone must be an 11-digit mainland mobile number",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resident identity card number (居民身份证号码) under GB 11643-1999: 17 digits,
/// of which 7–14 are a real birth date, and an ISO 7064 MOD 11-2 check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

impl IdNumber {
    pub fn parse(input: &str) -> DomainResult<Self> {
        let value = input.trim().to_ascii_uppercase();
        let bad = |why: &str| DomainError::invalid("id_number", why.to_owned());
        let bytes = value.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(bad(
                "身份证号应为18位，前17位为数字 / An ID number has 18 characters, the first 17 digits",
            ));
        }
        if bytes[0] == b'0' {
            return Err(bad("身份证号地区码无效 / The region code is invalid"));
        }
        if Self::birth_date_of(bytes).is_none() {
            return Err(bad(
                "身份证号中的出生日期无效 / The birth date in the ID number is impossible",
            ));
        }
        if Self::check_char(bytes) != bytes[17] {
            return Err(bad(
                "身份证号校验码错误 / The ID number's check character is wrong",
            ));
        }
        Ok(Self(value))
    }

    /// The check character of the first 17 digits (ISO 7064 MOD 11-2).
    pub fn check_char(first17: &[u8]) -> u8 {
        let sum: u32 = first17
            .iter()
            .take(17)
            .zip(ID_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        ID_CHECK[(sum % 11) as usize]
    }

    fn birth_date_of(bytes: &[u8]) -> Option<Date> {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            std::str::from_utf8(&bytes[r]).ok()?.parse().ok()
        };
        let year = i32::try_from(num(6..10)?).ok()?;
        if !(1800..=2100).contains(&year) {
            return None;
        }
        let month = Month::try_from(u8::try_from(num(10..12)?).ok()?).ok()?;
        let day = u8::try_from(num(12..14)?).ok()?;
        Date::from_calendar_date(year, month, day).ok()
    }

    pub fn birth_date(&self) -> Date {
        // Parsing guaranteed a valid date; fall back to the epoch rather than panic.
        Self::birth_date_of(self.0.as_bytes()).unwrap_or(Date::MIN)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `110105********1234`
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// A unified social credit code (统一社会信用代码) under GB 32100-2015.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

const CREDIT_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    pub fn parse(input: &str) -> DomainResult<Self> {
        let value = input.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        let bad = || {
            DomainError::invalid(
                "credit_code",
                "统一社会信用代码无效 / The unified social credit code is invalid",
            )
        };
        if bytes.len() != 18 || !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let values: Option<Vec<u32>> = bytes.iter().map(|b| Self::value_of(*b)).collect();
        let values = values.ok_or_else(bad)?;
        if Self::check_value(&values[..17]) != values[17] {
            return Err(bad());
        }
        Ok(Self(value))
    }

    fn value_of(b: u8) -> Option<u32> {
        CREDIT_CHARS
            .iter()
            .position(|c| *c == b)
            .and_then(|p| u32::try_from(p).ok())
    }

    fn check_value(first17: &[u32]) -> u32 {
        let sum: u32 = first17.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
        (31 - sum % 31) % 31
    }

    /// The check character for 17 leading characters, if they are all in the alphabet.
    pub fn check_char(first17: &str) -> Option<char> {
        let values: Option<Vec<u32>> = first17.bytes().map(Self::value_of).collect();
        let values = values.filter(|v| v.len() == 17)?;
        Some(char::from(
            CREDIT_CHARS[Self::check_value(&values) as usize],
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Money in fen (CNY cents), never negative.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(i64);

/// The largest amount any field takes: ten billion yuan.
const FEN_MAX: i64 = 1_000_000_000_000;

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn parse(field: &'static str, value: i64) -> DomainResult<Self> {
        if (0..=FEN_MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(DomainError::invalid(
                field,
                "金额应为0至100亿元之间的整数分 / Amount must be whole fen between 0 and 10 billion yuan",
            ))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn times(self, n: u32) -> Fen {
        Fen(self.0.saturating_mul(i64::from(n)))
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0.saturating_add(rhs.0))
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Free text with a length limit in characters; trimmed, may not be blank when required.
pub fn text(field: &'static str, value: &str, max_chars: usize) -> DomainResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field, "不能为空 / Must not be empty"));
    }
    optional_text(field, trimmed, max_chars)
}

/// Like [`text`] but an empty value is allowed.
pub fn optional_text(field: &'static str, value: &str, max_chars: usize) -> DomainResult<String> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max_chars {
        return Err(DomainError::invalid(
            field,
            format!("不能超过{max_chars}个字符 / At most {max_chars} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(DomainError::invalid(
            field,
            "含有不可见控制字符 / Contains control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// An integer within an inclusive range.
pub fn in_range(field: &'static str, value: i64, min: i64, max: i64) -> DomainResult<u32> {
    if (min..=max).contains(&value) {
        u32::try_from(value).map_err(|_| DomainError::invalid(field, "out of range"))
    } else {
        Err(DomainError::invalid(
            field,
            format!("应在{min}到{max}之间 / Must be between {min} and {max}"),
        ))
    }
}

/// How far from now a time a client gives may lie: a year back, two years ahead. Year 0
/// or 9999 is a typo or a probe, never a plan.
pub const REACH_BACK: time::Duration = time::Duration::days(366);
pub const REACH_AHEAD: time::Duration = time::Duration::days(2 * 366);

/// A time within [`REACH_BACK`] and [`REACH_AHEAD`] of `now`.
pub fn within_reach(
    field: &'static str,
    at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> DomainResult<time::OffsetDateTime> {
    if at < now - REACH_BACK || at > now + REACH_AHEAD {
        Err(DomainError::invalid(
            field,
            "时间须在过去一年到未来两年之内 / Must lie between a year ago and two years ahead",
        ))
    } else {
        Ok(at)
    }
}

/// A date within the same reach of `today`.
pub fn date_within_reach(field: &'static str, day: Date, today: Date) -> DomainResult<Date> {
    if day < today - REACH_BACK || day > today + REACH_AHEAD {
        Err(DomainError::invalid(
            field,
            "日期须在过去一年到未来两年之内 / Must lie between a year ago and two years ahead",
        ))
    } else {
        Ok(day)
    }
}

/// A name shown to those who may not know it: its first character, then stars.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// The platform's days are counted in Asia/Shanghai (UTC+8, no daylight saving).
pub const SHANGHAI: time::UtcOffset = time::macros::offset!(+8);

/// The Shanghai calendar date of an instant.
pub fn local_date(at: time::OffsetDateTime) -> Date {
    at.to_offset(SHANGHAI).date()
}

/// Whole years of age on `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {

    #[test]
    fn contact_phones_are_landlines_or_mobiles() {
        let p = ContactPhone::parse(" 010-62345678 ").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (p.as_str(), p.dialable().as_str()),
            ("010-62345678", "01062345678")
        );
        assert!(ContactPhone::parse("13800000001").is_ok());
        for bad in [
            "",
            "12345",
            "tel:0101234567",
            "010 6234 5678x",
            "-0101234567",
            "1234567890123456",
        ] {
            assert!(ContactPhone::parse(bad).is_err(), "{bad}");
        }
    }
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn id_number_accepts_the_standard_example_with_x() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn id_number_accepts_digit_check() {
        // 440524188001010014 is the digit-check example from GB 11643's annex.
        let id = IdNumber::parse("440524188001010014").unwrap();
        assert_eq!(id.birth_date(), date!(1880 - 01 - 01));
    }

    #[test]
    fn id_number_refuses_wrong_check_impossible_date_and_shape() {
        assert!(
            IdNumber::parse("110105194912310021").is_err(),
            "wrong check"
        );
        // 2023-02-29 does not exist; the check character is made right so only the date fails.
        let mut first17 = b"11010520230229123".to_vec();
        let check = IdNumber::check_char(&first17);
        first17.push(check);
        let impossible = String::from_utf8(first17).unwrap();
        let err = IdNumber::parse(&impossible).unwrap_err();
        assert!(err.to_string().contains("birth date"), "{err}");
        assert!(IdNumber::parse("1101051949123100").is_err(), "too short");
        assert!(IdNumber::parse("11010519491231002Y").is_err(), "bad letter");
        assert!(IdNumber::parse("").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("13800000001").unwrap().as_str(), "13800000001");
        assert_eq!(
            Phone::parse("+86 138-1234-5678").unwrap().masked(),
            "138****5678"
        );
        for bad in [
            "12800000001",
            "1380000000",
            "138000000011",
            "1380000000a",
            "",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credit_codes() {
        // A well-known published sample code with a valid check character.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(CreditCode::check_char("91350100M000100Y4"), Some('3'));
        assert!(
            CreditCode::parse("91350100M000100Y44").is_err(),
            "wrong check"
        );
        assert!(
            CreditCode::parse("91350100M000100I43").is_err(),
            "I is not in the alphabet"
        );
        assert!(CreditCode::parse("9135010").is_err());
    }

    #[test]
    fn fen_bounds_and_display() {
        assert_eq!(Fen::parse("f", 12345).unwrap().to_string(), "¥123.45");
        assert!(Fen::parse("f", -1).is_err());
        assert!(Fen::parse("f", FEN_MAX + 1).is_err());
    }

    #[test]
    fn text_limits() {
        assert_eq!(text("t", "  好  ", 5).unwrap(), "好");
        assert!(text("t", "   ", 5).is_err());
        assert!(text("t", "一二三四五六", 5).is_err());
        assert!(text("t", "a\u{0}b", 5).is_err());
    }

    #[test]
    fn names_mask_all_but_the_first_character() {
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2024 - 06 - 14)), 13);
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2024 - 06 - 15)), 14);
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = Phone::parse(&s);
            let _ = IdNumber::parse(&s);
            let _ = CreditCode::parse(&s);
            let _ = text("t", &s, 10);
        }

        #[test]
        fn id_shaped_input_never_panics(s in "[0-9]{17}[0-9Xx]") {
            if let Ok(id) = IdNumber::parse(&s) {
                prop_assert_eq!(id.masked().len(), 18);
            }
        }

        #[test]
        fn every_valid_17_digits_get_a_check(s in "[1-9][0-9]{5}(19[0-9]{2}|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}") {
            let check = IdNumber::check_char(s.as_bytes());
            let full = format!("{s}{}", char::from(check));
            prop_assert!(IdNumber::parse(&full).is_ok());
        }

        #[test]
        fn credit_code_shaped_input_never_panics(s in "[0-9A-Z]{18}") {
            let _ = CreditCode::parse(&s);
        }
    }
}
