//! Registration under a surge. Requests queue in the order the server accepted them and
//! are admitted in batches: one transaction and one durable commit per batch, each
//! caller answered only after that commit (group commit). A batch reads its facts in a
//! few queries, [`plan`] decides every request in order without IO, and the engine
//! writes the plan in a few statements.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use time::{Date, OffsetDateTime};
use tokio::sync::{mpsc, oneshot};
use youthloop_domain::activity::{self, Admission, Attempt, Seats};
use youthloop_domain::audit;
use youthloop_domain::id::*;
use youthloop_domain::role::Actor;

use crate::model::{Activity, Registered, RegistrationAttempt};
use crate::rows::{json, new_id};
use crate::{StoreError, StoreResult};

/// The most requests one transaction admits: enough to amortize a durable commit over a
/// surge of hundreds of clients, few enough to keep every statement's binds in bounds.
pub(crate) const MAX_BATCH: usize = 512;

/// One registration as it waits in the queue.
pub(crate) struct Request {
    pub by: Actor,
    pub attempt: RegistrationAttempt,
    pub now: OffsetDateTime,
}

/// Who may be registered, as the database knows them.
pub(crate) struct Candidate {
    pub district_id: DistrictId,
    pub guardian_id: Option<UserId>,
    pub user_id: Option<UserId>,
    pub birth_date: Date,
    pub has_consent: bool,
}

/// What the database says about a batch, read at its start inside its transaction.
#[derive(Default)]
pub(crate) struct BatchFacts {
    /// Answers kept for (user, Idempotency-Key).
    pub kept: HashMap<(UserId, String), String>,
    pub candidates: HashMap<ParticipantId, Candidate>,
    /// (activity, participant) pairs with a live registration.
    pub live: HashSet<(ActivityId, ParticipantId)>,
    /// Activities visible to registrants, by (district, id), with their next place in line.
    pub activities: HashMap<(DistrictId, ActivityId), (Activity, i64)>,
}

impl BatchFacts {
    /// The distinct (user, key) pairs, participants and (district, activity) pairs a
    /// batch asks about: what the engine reads.
    pub fn wanted(requests: &[Request]) -> Wanted {
        let mut wanted = Wanted::default();
        for r in requests {
            if let Some(key) = &r.attempt.idempotency_key {
                wanted.keys.insert((r.by.user_id.clone(), key.clone()));
            }
            wanted.participants.insert(r.attempt.participant_id.clone());
            wanted
                .activities
                .insert((r.by.district_id.clone(), r.attempt.activity_id.clone()));
        }
        wanted
    }
}

#[derive(Default)]
pub(crate) struct Wanted {
    pub keys: HashSet<(UserId, String)>,
    pub participants: HashSet<ParticipantId>,
    pub activities: HashSet<(DistrictId, ActivityId)>,
}

/// A registration to insert, with the answer to keep for its key and the audit event.
pub(crate) struct Admitted {
    pub by: Actor,
    pub registered: Registered,
    pub district_id: DistrictId,
    pub seq: i64,
    pub at: OffsetDateTime,
    /// The Idempotency-Key and the answer kept under it.
    pub kept: Option<(String, String)>,
}

pub(crate) struct Plan {
    /// One answer per request, in order.
    pub answers: Vec<StoreResult<Registered>>,
    pub admitted: Vec<Admitted>,
    /// Each touched activity's next place in line after the batch.
    pub next_seq: Vec<(ActivityId, i64)>,
}

/// Decides every request of a batch in order, as if each ran alone after the one
/// before: a key or a participant seen earlier in the batch counts as already there.
pub(crate) fn plan(requests: &[Request], mut facts: BatchFacts) -> Plan {
    let mut answers = Vec::with_capacity(requests.len());
    let mut admitted = Vec::new();
    let mut touched = Vec::new();
    for r in requests {
        answers.push(decide(r, &mut facts, &mut admitted, &mut touched));
    }
    let next_seq = touched
        .into_iter()
        .filter_map(|k: (DistrictId, ActivityId)| {
            facts.activities.get(&k).map(|(a, n)| (a.id.clone(), *n))
        })
        .collect();
    Plan {
        answers,
        admitted,
        next_seq,
    }
}

fn decide(
    r: &Request,
    facts: &mut BatchFacts,
    admitted: &mut Vec<Admitted>,
    touched: &mut Vec<(DistrictId, ActivityId)>,
) -> StoreResult<Registered> {
    let user = &r.by.user_id;
    let key = r
        .attempt
        .idempotency_key
        .as_ref()
        .map(|k| (user.clone(), k.clone()));
    if let Some(body) = key.as_ref().and_then(|k| facts.kept.get(k)) {
        return replay(body, &r.attempt);
    }
    let place = (r.by.district_id.clone(), r.attempt.activity_id.clone());
    let (activity, next_seq) = facts
        .activities
        .get_mut(&place)
        .ok_or(StoreError::NotFound)?;
    let candidate = facts
        .candidates
        .get(&r.attempt.participant_id)
        .filter(|c| {
            c.district_id == r.by.district_id
                && (c.guardian_id.as_ref() == Some(user) || c.user_id.as_ref() == Some(user))
        })
        .ok_or(StoreError::NotFound)?;
    let pair = (activity.id.clone(), r.attempt.participant_id.clone());
    let admission = activity::admit(
        &Attempt {
            status: activity.status,
            opens_at: activity.registration_opens_at,
            closes_at: activity.registration_closes_at,
            now: r.now,
            min_age: activity.min_age,
            max_age: activity.max_age,
            birth_date: candidate.birth_date,
            starts_on: youthloop_domain::parse::local_date(activity.starts_at),
            already_registered: facts.live.contains(&pair),
            has_consent: candidate.has_consent,
        },
        Seats {
            capacity: activity.capacity,
            waitlist_capacity: activity.waitlist_capacity,
            confirmed: activity.confirmed_count,
            waitlisted: activity.waitlist_count,
        },
    )?;
    let seq = *next_seq;
    *next_seq += 1;
    match admission {
        Admission::Confirmed => activity.confirmed_count += 1,
        Admission::Waitlisted { .. } => activity.waitlist_count += 1,
    }
    facts.live.insert(pair);
    if !touched.contains(&place) {
        touched.push(place);
    }
    let registered = Registered {
        id: new_id(),
        status: admission.status(),
        position: match admission {
            Admission::Waitlisted { position } => Some(position),
            Admission::Confirmed => None,
        },
        replayed: false,
        activity_id: activity.id.clone(),
        participant_id: r.attempt.participant_id.clone(),
    };
    let kept = key.map(|k| {
        let body = kept_body(&registered);
        facts.kept.insert(k.clone(), body.clone());
        (k.1, body)
    });
    admitted.push(Admitted {
        by: r.by.clone(),
        registered: registered.clone(),
        district_id: r.by.district_id.clone(),
        seq,
        at: r.now,
        kept,
    });
    Ok(registered)
}

/// The first answer again, unless the key was used for another request.
fn replay(body: &str, attempt: &RegistrationAttempt) -> StoreResult<Registered> {
    let mut first: Registered =
        serde_json::from_str(body).map_err(|e| StoreError::Other(e.to_string()))?;
    if first.activity_id != attempt.activity_id || first.participant_id != attempt.participant_id {
        return Err(StoreError::conflict(
            "idempotency_key_reused",
            "该幂等键已用于另一请求 / This Idempotency-Key was used for another request",
        ));
    }
    first.replayed = true;
    Ok(first)
}

/// The answer as kept under its key, with what it answered, so that a key reused for
/// another request is caught.
fn kept_body(registered: &Registered) -> String {
    #[derive(serde::Serialize)]
    struct Kept<'a> {
        #[serde(flatten)]
        answer: &'a Registered,
        activity_id: &'a ActivityId,
        participant_id: &'a ParticipantId,
    }
    json(&Kept {
        answer: registered,
        activity_id: &registered.activity_id,
        participant_id: &registered.participant_id,
    })
}

/// One link of a district's audit chain, ready to insert.
pub(crate) struct AuditLink {
    pub id: String,
    pub district_id: DistrictId,
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub kind: String,
    pub record_id: String,
    pub address: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Extends a chain whose head is `head` (none for a new district) by one event.
pub(crate) fn link(
    head: Option<&(i64, String)>,
    by: &Actor,
    action: &str,
    kind: &str,
    record_id: &str,
) -> StoreResult<AuditLink> {
    let (seq, prev) = head.map_or((1, audit::GENESIS.to_owned()), |(seq, hash)| {
        (seq + 1, hash.clone())
    });
    let at = by
        .at
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Other(e.to_string()))?;
    let actor = if by.user_id.as_str().is_empty() {
        "visitor"
    } else {
        by.user_id.as_str()
    };
    let hash = audit::hash(
        &prev,
        by.district_id.as_str(),
        seq,
        &at,
        actor,
        action,
        kind,
        record_id,
        &by.address,
    );
    Ok(AuditLink {
        id: new_id(),
        district_id: by.district_id.clone(),
        seq,
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        kind: kind.to_owned(),
        record_id: record_id.to_owned(),
        address: by.address.clone(),
        prev_hash: prev,
        hash,
    })
}

/// A queue whose worker runs requests in batches, in arrival order, and answers each
/// caller with its own result once the batch has committed.
pub(crate) struct GroupCommit<J, R> {
    queue: mpsc::Sender<(J, oneshot::Sender<StoreResult<R>>)>,
}

impl<J: Send + 'static, R: Send + 'static> GroupCommit<J, R> {
    /// Starts the worker on the current runtime. `run` gets a batch and returns one
    /// answer per request, or an error that fails the whole batch (nothing committed).
    pub fn start<F, Fut>(mut run: F) -> Self
    where
        F: FnMut(Vec<J>) -> Fut + Send + 'static,
        Fut: Future<Output = StoreResult<Vec<StoreResult<R>>>> + Send,
    {
        let (queue, mut waiting) = mpsc::channel(MAX_BATCH * 8);
        let work = async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let (jobs, replies): (Vec<J>, Vec<oneshot::Sender<StoreResult<R>>>) =
                    batch.drain(..).unzip();
                metrics::histogram!("youthloop_registration_batch_size").record(jobs.len() as f64);
                match run(jobs).await {
                    Ok(answers) => {
                        for (reply, answer) in replies.into_iter().zip(answers) {
                            // A caller that went away finds its registration by its key.
                            let _ = reply.send(answer);
                        }
                    }
                    Err(e) => {
                        tracing::error!(
                            error = e.chain(),
                            "a registration batch failed; nothing of it was kept"
                        );
                        let cause = std::sync::Arc::new(e);
                        for reply in replies {
                            let _ = reply.send(Err(StoreError::Batch(cause.clone())));
                        }
                    }
                }
            }
        };
        // Its own thread and runtime: under a flood the server's runtime has hundreds of
        // requests queued, and a batch that waited behind them at each of its statements
        // would hold every caller in it that much longer.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match runtime {
            Ok(runtime) => {
                let spawned = std::thread::Builder::new()
                    .name("youthloop-admissions".to_owned())
                    .spawn(move || runtime.block_on(work));
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "cannot start the admissions thread");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot start the admissions runtime"),
        }
        Self { queue }
    }

    pub async fn submit(&self, job: J) -> StoreResult<R> {
        let stopped = || StoreError::Other("the registration queue has stopped".to_owned());
        let (reply, answer) = oneshot::channel();
        self.queue.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use youthloop_domain::activity::ActivityStatus;
    use youthloop_domain::DomainError;

    const NOW: OffsetDateTime = datetime!(2026-06-01 10:00 UTC);

    fn activity(capacity: u32, waitlist: u32) -> Activity {
        Activity {
            id: "a1".into(),
            organization_id: "o1".into(),
            order_id: None,
            title: "t".into(),
            description: String::new(),
            starts_at: datetime!(2026-06-10 10:00 UTC),
            ends_at: datetime!(2026-06-10 12:00 UTC),
            venue: "v".into(),
            capacity,
            waitlist_capacity: waitlist,
            min_age: 6,
            max_age: 18,
            registration_opens_at: datetime!(2026-05-01 00:00 UTC),
            registration_closes_at: datetime!(2026-06-09 00:00 UTC),
            badges: Vec::new(),
            status: ActivityStatus::Published,
            confirmed_count: 0,
            waitlist_count: 0,
        }
    }

    fn facts(capacity: u32, waitlist: u32, children: &[&str]) -> BatchFacts {
        let mut facts = BatchFacts::default();
        facts.activities.insert(
            ("d1".into(), "a1".into()),
            (activity(capacity, waitlist), 7),
        );
        for c in children {
            facts.candidates.insert(
                (*c).into(),
                Candidate {
                    district_id: "d1".into(),
                    guardian_id: Some("g1".into()),
                    user_id: None,
                    birth_date: time::macros::date!(2012 - 01 - 01),
                    has_consent: false,
                },
            );
        }
        facts
    }

    fn request(user: &str, child: &str, key: Option<&str>) -> Request {
        Request {
            by: Actor {
                user_id: user.into(),
                ..Actor::system(&DistrictId::from("d1"), time::OffsetDateTime::UNIX_EPOCH)
            },
            attempt: RegistrationAttempt {
                activity_id: "a1".into(),
                participant_id: child.into(),
                idempotency_key: key.map(Into::into),
            },
            now: NOW,
        }
    }

    fn statuses(plan: &Plan) -> Vec<String> {
        plan.answers
            .iter()
            .map(|a| match a {
                Ok(r) => format!(
                    "{}{}",
                    r.status.as_str(),
                    r.position.map_or(String::new(), |p| p.to_string())
                ),
                Err(StoreError::Domain(e)) => e.code().to_owned(),
                Err(e) => e.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_batch_fills_seats_then_the_waitlist_in_arrival_order() {
        let requests: Vec<_> = ["c1", "c2", "c3", "c4"]
            .iter()
            .map(|c| request("g1", c, None))
            .collect();
        let plan = plan(&requests, facts(2, 1, &["c1", "c2", "c3", "c4"]));
        assert_eq!(
            statuses(&plan),
            ["confirmed", "confirmed", "waitlisted1", "full"]
        );
        let seqs: Vec<i64> = plan.admitted.iter().map(|a| a.seq).collect();
        assert_eq!(seqs, [7, 8, 9]);
        assert_eq!(plan.next_seq, [(ActivityId::from("a1"), 10)]);
    }

    #[test]
    fn the_same_child_twice_in_one_batch_is_already_registered() {
        let requests = [request("g1", "c1", None), request("g1", "c1", None)];
        let plan = plan(&requests, facts(5, 0, &["c1"]));
        assert_eq!(statuses(&plan), ["confirmed", "already_registered"]);
        assert_eq!(plan.admitted.len(), 1);
    }

    #[test]
    fn a_key_repeated_in_one_batch_replays_and_a_reused_key_conflicts() {
        let requests = [
            request("g1", "c1", Some("k")),
            request("g1", "c1", Some("k")),
            request("g1", "c2", Some("k")),
        ];
        let plan = plan(&requests, facts(5, 0, &["c1", "c2"]));
        let first = plan.answers[0].as_ref().unwrap();
        let again = plan.answers[1].as_ref().unwrap();
        assert_eq!(
            (again.id.as_str(), again.replayed),
            (first.id.as_str(), true)
        );
        assert!(matches!(
            plan.answers[2],
            Err(StoreError::Conflict {
                code: "idempotency_key_reused",
                ..
            })
        ));
        assert_eq!(plan.admitted.len(), 1);
        assert!(plan.admitted[0].kept.is_some());
    }

    #[test]
    fn someone_elses_child_and_another_district_are_not_found() {
        let mut other = request("g1", "c1", None);
        other.by.district_id = "d2".into();
        let requests = [
            request("g2", "c1", None),
            other,
            request("g1", "nobody", None),
        ];
        let plan = plan(&requests, facts(5, 0, &["c1"]));
        assert_eq!(statuses(&plan), ["not found", "not found", "not found"]);
        assert!(plan.admitted.is_empty() && plan.next_seq.is_empty());
    }

    #[test]
    fn a_refusal_in_the_middle_leaves_the_line_unbroken() {
        let mut late = request("g1", "c2", None);
        late.now = datetime!(2026-06-09 12:00 UTC);
        let requests = [request("g1", "c1", None), late, request("g1", "c3", None)];
        let plan = plan(&requests, facts(5, 0, &["c1", "c2", "c3"]));
        assert_eq!(
            statuses(&plan),
            [
                "confirmed",
                DomainError::RegistrationClosed.code(),
                "confirmed"
            ]
        );
        let seqs: Vec<i64> = plan.admitted.iter().map(|a| a.seq).collect();
        assert_eq!(seqs, [7, 8]);
    }

    #[test]
    fn links_chain_from_genesis() {
        let by = Actor::system(&DistrictId::from("d1"), time::OffsetDateTime::UNIX_EPOCH);
        let first = link(None, &by, "x.create", "x", "1").unwrap();
        assert_eq!((first.seq, first.prev_hash.as_str()), (1, audit::GENESIS));
        let second = link(
            Some(&(first.seq, first.hash.clone())),
            &by,
            "x.create",
            "x",
            "2",
        )
        .unwrap();
        assert_eq!((second.seq, &second.prev_hash), (2, &first.hash));
    }

    #[tokio::test]
    async fn group_commit_answers_each_caller_with_its_own_result() {
        let group: GroupCommit<u32, u32> = GroupCommit::start(|jobs: Vec<u32>| async move {
            Ok(jobs
                .into_iter()
                .map(|j| {
                    if j % 2 == 0 {
                        Ok(j * 10)
                    } else {
                        Err(StoreError::NotFound)
                    }
                })
                .collect())
        });
        let group = std::sync::Arc::new(group);
        let answers = futures_join(&group, 0..64).await;
        for (j, answer) in (0..64).zip(answers) {
            match answer {
                Ok(v) => assert_eq!(v, j * 10),
                Err(e) => assert!(j % 2 == 1 && matches!(e, StoreError::NotFound)),
            }
        }
        let failing: GroupCommit<u32, u32> =
            GroupCommit::start(|_| async { Err(StoreError::Other("disk full".into())) });
        assert!(matches!(failing.submit(1).await, Err(e) if e.chain().contains("disk full")));
    }

    async fn futures_join(
        group: &std::sync::Arc<GroupCommit<u32, u32>>,
        jobs: std::ops::Range<u32>,
    ) -> Vec<StoreResult<u32>> {
        let handles: Vec<_> = jobs
            .map(|j| {
                let group = group.clone();
                tokio::spawn(async move { group.submit(j).await })
            })
            .collect();
        let mut answers = Vec::new();
        for h in handles {
            answers.push(h.await.unwrap());
        }
        answers
    }
}
