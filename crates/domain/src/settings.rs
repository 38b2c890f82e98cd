//! District settings: the rules a League office tunes for its own district. Kept as one
//! document per district; what a district never set takes its default.

use serde::{Deserialize, Serialize};

use crate::activity::CheckinWindow;
use crate::error::{DomainError, DomainResult};
use crate::evaluation::Weights;
use crate::moderation::DistrictWords;
use crate::order::Deadlines;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistrictSettings {
    /// When check-in opens before an activity and closes after it.
    pub checkin: CheckinWindow,
    /// The district's own words that hold public text for a moderator.
    pub moderation: DistrictWords,
    /// How much each indicator of a third-party evaluation weighs.
    pub evaluation_weights: Weights,
    /// How long each step of an order may wait before it is overdue and escalated.
    pub deadlines: Deadlines,
}

impl DistrictSettings {
    /// Validates settings a League administrator sends.
    pub fn check(mut self) -> DomainResult<Self> {
        let most = CheckinWindow::MAX_MINUTES;
        for (field, minutes) in [
            (
                "checkin.opens_minutes_before",
                self.checkin.opens_minutes_before,
            ),
            (
                "checkin.closes_minutes_after",
                self.checkin.closes_minutes_after,
            ),
        ] {
            if minutes > most {
                return Err(DomainError::invalid(
                    field,
                    format!("应在0到{most}分钟之间 / Must be 0 to {most} minutes"),
                ));
            }
        }
        self.moderation = self.moderation.check()?;
        self.evaluation_weights = self.evaluation_weights.check()?;
        self.deadlines = self.deadlines.check()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_stay_within_a_day() {
        let d: DistrictSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(d.checkin.opens_minutes_before, 30);
        assert_eq!(d.checkin.closes_minutes_after, 0);
        let wide = DistrictSettings {
            checkin: CheckinWindow {
                opens_minutes_before: 24 * 60 + 1,
                closes_minutes_after: 0,
            },
            ..DistrictSettings::default()
        };
        assert_eq!(
            wide.check().unwrap_err().field(),
            Some("checkin.opens_minutes_before")
        );
        assert!(serde_json::from_str::<DistrictSettings>(r#"{"other": 1}"#).is_err());
    }
}
