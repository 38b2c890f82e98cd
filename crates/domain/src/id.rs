//! Ids of the main records, one type each, so that a child's id passed where an
//! activity's is expected does not compile. An id is opaque text (a UUIDv7 for records
//! made here, which the store generates): any text is an id, and one that names
//! nothing is simply not found.
//!
//! `DistrictId` names a tenant (one League district committee's installation, and the
//! root of its regions); `RegionId` a town, street, village or community; `RoundId` a
//! purchasing round; `ProjectId` a service project proposed in one; `OrderId` a
//! community's order of a project; `ParticipantId` a child or a youth who takes part (a
//! youth's is their user id).
//!
//! In the right order a call compiles:
//!
//! ```
//! use youthloop_domain::id::{ActivityId, ParticipantId};
//! fn register(_activity: &ActivityId, _participant: &ParticipantId) {}
//! let (activity, child) = (ActivityId::from("a1"), ParticipantId::from("p1"));
//! register(&activity, &child);
//! ```
//!
//! and swapped it does not:
//!
//! ```compile_fail
//! use youthloop_domain::id::{ActivityId, ParticipantId};
//! fn register(_activity: &ActivityId, _participant: &ParticipantId) {}
//! let (activity, child) = (ActivityId::from("a1"), ParticipantId::from("p1"));
//! register(&child, &activity);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Calls `$m!(DistrictId, RegionId, …)` with every id type: for code that implements
/// something for each of them (the store binds and reads them as text).
#[macro_export]
macro_rules! for_each_id {
    ($m:ident) => {
        $m!(
            DistrictId,
            RegionId,
            OrganizationId,
            UserId,
            RoundId,
            ProjectId,
            OrderId,
            ActivityId,
            ParticipantId,
            RegistrationId,
            CaseId,
            TeamId,
            SquadId,
            TaskId,
            ShiftId,
            RosterId,
            AssignmentId,
            HoursId,
            ReviewId
        );
    };
}

macro_rules! ids {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        // Pages compare an id with the text of a form or a signed-in user's.
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        // A map keyed by ids is looked up by the text of one (equal ids, equal text).
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

for_each_id!(ids);

impl DistrictId {
    /// A district is also the root of its regions, under the same id.
    pub fn as_root_region(&self) -> RegionId {
        RegionId(self.0.clone())
    }
}

impl UserId {
    /// A youth takes part as themselves: their participant id is their user id.
    pub fn as_participant(&self) -> ParticipantId {
        ParticipantId(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_plain_strings() {
        let id = ActivityId::from("0190-a");
        assert_eq!(serde_json::to_string(&id).unwrap_or_default(), "\"0190-a\"");
        let back: ActivityId = serde_json::from_str("\"0190-a\"").unwrap_or_default();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), "0190-a");
    }
}
