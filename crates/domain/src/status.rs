//! A small macro for the state enums, so that each one's names are written once.

/// Declares a state enum with its snake_case names, `as_str`, `parse` and serde.
#[macro_export]
macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value named `text`, if there is one.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                Self::parse(&text).ok_or_else(|| format!("unknown {}: {text}", stringify!($name)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The actions a state allows, in the order they are declared: what a page offers.
pub fn allowed<S: Copy, A: Copy>(
    state: S,
    actions: &[A],
    apply: impl Fn(S, A) -> crate::DomainResult<S>,
) -> Vec<A> {
    actions
        .iter()
        .copied()
        .filter(|a| apply(state, *a).is_ok())
        .collect()
}

/// Test support: checks every state against every action, expecting exactly the
/// `allowed` transitions and `invalid_transition` for all others.
#[cfg(test)]
pub(crate) fn check_transitions<S, A>(
    all: &[S],
    actions: &[A],
    allowed: &[(S, A, S)],
    apply: impl Fn(S, A) -> crate::DomainResult<S>,
) where
    S: Copy + PartialEq + std::fmt::Debug,
    A: Copy + PartialEq + std::fmt::Debug,
{
    for from in all {
        for action in actions {
            let expected = allowed
                .iter()
                .find(|(f, a, _)| f == from && a == action)
                .map(|t| t.2);
            match (apply(*from, *action), expected) {
                (Ok(to), Some(want)) => assert_eq!(to, want),
                (Err(e), None) => assert_eq!(e.code(), "invalid_transition", "{from:?} {action:?}"),
                (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
