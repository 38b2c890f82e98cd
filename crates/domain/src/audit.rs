//! The audit trail: append-only events, each holding the hash of the one before, so
//! that an edited, deleted or reordered event breaks the chain where it was touched.

use sha2::{Digest, Sha256};

/// The hash before the first event of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub district_id: String,
    pub seq: i64,
    /// RFC 3339, as written.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record_kind: String,
    pub record_id: String,
    pub address: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event's content chained to the previous hash.
#[allow(clippy::too_many_arguments)]
pub fn hash(
    prev_hash: &str,
    district_id: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    record_kind: &str,
    record_id: &str,
    address: &str,
) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    for part in [
        prev_hash,
        district_id,
        &seq,
        at,
        actor,
        action,
        record_kind,
        record_id,
        address,
    ] {
        // Length-prefixed, so that no two different events hash the same bytes.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Event {
    pub fn content_hash(&self) -> String {
        hash(
            &self.prev_hash,
            &self.district_id,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            &self.record_kind,
            &self.record_id,
            &self.address,
        )
    }
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub district_id: String,
    /// The sequence number at which the chain stops holding.
    pub seq: i64,
    pub why: &'static str,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "district {} event {}: {}",
            self.district_id, self.seq, self.why
        )
    }
}

/// Checks one district's events (in stored order) against the head kept beside them:
/// sequence numbers without gaps, each link to the previous hash, each hash of its
/// content, and the last event equal to the head.
pub fn verify(
    district_id: &str,
    events: &[Event],
    head: Option<(i64, &str)>,
) -> Result<i64, Break> {
    let broken = |seq, why| Break {
        district_id: district_id.to_owned(),
        seq,
        why,
    };
    let mut prev = GENESIS.to_owned();
    let mut expected = 1;
    for e in events {
        if e.seq != expected {
            return Err(broken(expected, "an event is missing or out of order"));
        }
        if e.prev_hash != prev {
            return Err(broken(e.seq, "does not link to the event before it"));
        }
        if e.content_hash() != e.hash {
            return Err(broken(e.seq, "its content was changed"));
        }
        prev = e.hash.clone();
        expected += 1;
    }
    let last = expected - 1;
    match head {
        Some((seq, hash)) if seq == last && hash == prev => Ok(last),
        None if last == 0 => Ok(0),
        _ => Err(broken(last + 1, "events after this one were removed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Event> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = Event {
                    district_id: "d".into(),
                    seq,
                    at: format!("2026-01-01T00:00:{seq:02}Z"),
                    actor: "u".into(),
                    action: "order.dispatch".into(),
                    record_kind: "order".into(),
                    record_id: format!("o{seq}"),
                    address: "127.0.0.1".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.content_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(events: &[Event]) -> Option<(i64, &str)> {
        events.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn a_whole_chain_verifies() {
        let events = chain(5);
        assert_eq!(verify("d", &events, head(&events)), Ok(5));
        assert_eq!(verify("d", &[], None), Ok(0));
    }

    #[test]
    fn edits_deletions_reorders_and_truncation_are_caught() {
        let events = chain(5);
        let h = head(&events);
        let mut edited = events.clone();
        edited[2].record_id = "forged".into();
        assert_eq!(verify("d", &edited, h).unwrap_err().seq, 3);
        let mut deleted = events.clone();
        deleted.remove(1);
        assert_eq!(verify("d", &deleted, h).unwrap_err().seq, 2);
        let mut swapped = events.clone();
        swapped.swap(1, 2);
        (swapped[1].seq, swapped[2].seq) = (2, 3);
        assert_eq!(verify("d", &swapped, h).unwrap_err().seq, 2);
        assert_eq!(
            verify("d", &events[..4], h).unwrap_err().seq,
            5,
            "the tail was cut"
        );
    }
}
