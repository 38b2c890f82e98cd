-- A guardian's consent for a child under 14 (PIPL art. 31): who gave it, as what
-- relation, for what, when; withdrawn when. A new consent is a new row: history stays.
create table consents (
    id             text primary key,
    district_id    text not null references districts(id),
    participant_id text not null references participants(id),
    guardian_id    text not null references users(id),
    relation       text not null,
    scope          text not null,
    given_at       text not null,
    withdrawn_at   text
);
create index consents_participant on consents(participant_id, given_at);

-- An erased account keeps its rows for statistics, without what identifies a person.
alter table users add column erased_at text;
alter table participants add column erased_at text;

-- Failed sign-ins in a row, and the lock they bring: kept in the database so that every
-- server instance sees the same count.
alter table users add column failed_sign_ins integer not null default 0;
alter table users add column locked_until text;
