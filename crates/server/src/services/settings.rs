//! The district's settings, tuned by its League office.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youthloop_domain::activity::CheckinWindow;
use youthloop_domain::evaluation::Weights;
use youthloop_domain::moderation::DistrictWords;
use youthloop_domain::order::Deadlines;
use youthloop_domain::role::Role;
use youthloop_domain::settings::DistrictSettings;

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::state::AppState;

/// When check-in opens before an activity starts and closes after it ends.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinWindowBody {
    /// Minutes before the start, 0 to 1440 (default 30).
    pub opens_minutes_before: u32,
    /// Minutes after the end, 0 to 1440 (default 0).
    pub closes_minutes_after: u32,
}

/// The district's own words that hold a public comment or review for a moderator, on top
/// of the platform's (gambling and lottery adverts, contact details, links, abuse).
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ModerationWordsBody {
    pub advert: Vec<String>,
    pub contact: Vec<String>,
    pub link: Vec<String>,
    pub abuse: Vec<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    pub checkin: CheckinWindowBody,
    /// Left out, the district keeps the words it has.
    #[serde(default)]
    pub moderation: Option<ModerationWordsBody>,
    /// How much each indicator of a third-party evaluation weighs, in percent, adding up
    /// to 100. Left out, the district keeps its weights.
    #[serde(default)]
    pub evaluation_weights: Option<WeightsBody>,
    /// Hours each step of an order may wait before it is overdue and escalated to the
    /// League (1 to 720; 48 each by default). Left out, the district keeps its deadlines.
    #[serde(default)]
    pub deadlines: Option<DeadlinesBody>,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesBody {
    /// From a community's order to the League's dispatch.
    pub dispatch_hours: u32,
    /// From dispatch to the organization's answer.
    pub accept_hours: u32,
}

/// Percent per indicator; the five add up to 100.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct WeightsBody {
    pub management: u32,
    pub professional_service: u32,
    pub outcomes: u32,
    pub finance: u32,
    pub satisfaction: u32,
}

impl From<DistrictSettings> for SettingsBody {
    fn from(s: DistrictSettings) -> Self {
        let words = s.moderation;
        let w = s.evaluation_weights;
        Self {
            checkin: CheckinWindowBody {
                opens_minutes_before: s.checkin.opens_minutes_before,
                closes_minutes_after: s.checkin.closes_minutes_after,
            },
            moderation: Some(ModerationWordsBody {
                advert: words.advert,
                contact: words.contact,
                link: words.link,
                abuse: words.abuse,
            }),
            evaluation_weights: Some(WeightsBody {
                management: w.management,
                professional_service: w.professional_service,
                outcomes: w.outcomes,
                finance: w.finance,
                satisfaction: w.satisfaction,
            }),
            deadlines: Some(DeadlinesBody {
                dispatch_hours: s.deadlines.dispatch_hours,
                accept_hours: s.deadlines.accept_hours,
            }),
        }
    }
}

/// The district's settings (League).
pub async fn settings(state: &AppState, user: &CurrentUser) -> AppResult<SettingsBody> {
    user.require(&[Role::LeagueAdmin])?;
    Ok(state.store.settings(user.district()).await?.into())
}

/// The League changes the district's settings; recorded in the audit trail.
pub async fn set_settings(
    state: &AppState,
    user: &CurrentUser,
    b: SettingsBody,
) -> AppResult<SettingsBody> {
    user.require(&[Role::LeagueAdmin])?;
    let kept = state.store.settings(user.district()).await?;
    let moderation = match b.moderation {
        Some(w) => DistrictWords {
            advert: w.advert,
            contact: w.contact,
            link: w.link,
            abuse: w.abuse,
        },
        None => kept.moderation,
    };
    let evaluation_weights = match b.evaluation_weights {
        Some(w) => Weights {
            management: w.management,
            professional_service: w.professional_service,
            outcomes: w.outcomes,
            finance: w.finance,
            satisfaction: w.satisfaction,
        },
        None => kept.evaluation_weights,
    };
    let deadlines = b.deadlines.map_or(kept.deadlines, |d| Deadlines {
        dispatch_hours: d.dispatch_hours,
        accept_hours: d.accept_hours,
    });
    let settings = DistrictSettings {
        checkin: CheckinWindow {
            opens_minutes_before: b.checkin.opens_minutes_before,
            closes_minutes_after: b.checkin.closes_minutes_after,
        },
        moderation,
        evaluation_weights,
        deadlines,
    }
    .check()?;
    state
        .store
        .set_settings(&user.actor, settings.clone())
        .await?;
    Ok(settings.into())
}
