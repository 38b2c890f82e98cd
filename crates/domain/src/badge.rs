//! The badge catalog (争章, the 红领巾奖章 system).

use serde::Serialize;

use crate::status_enum;

status_enum!(BadgeKind { Basic => "basic", Featured => "featured", Star => "star" });

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Badge {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    /// The group of a basic badge: 红星章, 红旗章 or 火炬章.
    pub group: &'static str,
    pub kind: BadgeKind,
}

const fn basic(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    group: &'static str,
) -> Badge {
    Badge {
        code,
        name,
        name_en,
        group,
        kind: BadgeKind::Basic,
    }
}

/// The twelve basic badges every district has; featured and star badges are set locally.
pub const BASIC_BADGES: [Badge; 12] = [
    basic("xiangyang", "向阳章", "Towards the Sun", "红星章"),
    basic("chuancheng", "传承章", "Heritage", "红星章"),
    basic("lide", "立德章", "Virtue", "红星章"),
    basic("lizhi", "立志章", "Aspiration", "红星章"),
    basic("mengxiang", "梦想章", "Dream", "红旗章"),
    basic("xiaozhuren", "小主人章", "Young Master", "红旗章"),
    basic("tuanjie", "团结章", "Unity", "红旗章"),
    basic("jianti", "健体章", "Fitness", "红旗章"),
    basic("fengxian", "奉献章", "Dedication", "火炬章"),
    basic("laodong", "劳动章", "Labour", "火炬章"),
    basic("yonggan", "勇敢章", "Courage", "火炬章"),
    basic("jieyue", "节约章", "Thrift", "火炬章"),
];

pub fn find(code: &str) -> Option<&'static Badge> {
    BASIC_BADGES.iter().find(|b| b.code == code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn twelve_unique_basic_badges_in_three_groups() {
        let codes: std::collections::HashSet<_> =
            super::BASIC_BADGES.iter().map(|b| b.code).collect();
        assert_eq!(codes.len(), 12);
        for group in ["红星章", "红旗章", "火炬章"] {
            assert_eq!(
                super::BASIC_BADGES
                    .iter()
                    .filter(|b| b.group == group)
                    .count(),
                4
            );
        }
        assert_eq!(super::find("laodong").map(|b| b.name), Some("劳动章"));
        assert!(super::find("nope").is_none());
    }
}
