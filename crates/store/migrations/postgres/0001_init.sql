-- youthloop on PostgreSQL: the same tables as on SQLite, in PostgreSQL's types. Every table carries district_id, the tenant key, so that the
-- same schema can later be sharded by district; ids are UUIDv7 text, never sequences.
-- Times are timestamptz (UTC); audit times are text, exactly as hashed.

create table districts (
    id          text primary key,
    district_id text not null,           -- equal to id: the tenant of the tenant row
    name        text not null,
    code        text not null unique,
    created_at  timestamptz not null
);

-- Per-district secrets shared by every server instance (the check-in code key).
create table secrets (
    district_id text not null references districts(id),
    name        text not null,
    value       bytea not null,
    primary key (district_id, name)
);

create table regions (
    id          text primary key,
    district_id text not null references districts(id),
    parent_id   text references regions(id),
    name        text not null,
    kind        text not null check (kind in ('district', 'town', 'community')),
    code        text not null,
    -- '/id/id/…/' from the district down: scope checks are a prefix match.
    path        text not null,
    profile     text,                     -- JSON youth profile, communities only
    unique (district_id, code)
);
create index regions_path on regions(district_id, path);

create table organizations (
    id          text primary key,
    district_id text not null references districts(id),
    name        text not null,
    credit_code text not null,
    areas       text not null,            -- JSON array of service area codes
    address     text not null,
    status      text not null check (status in ('active', 'suspended')),
    created_at  timestamptz not null,
    unique (district_id, credit_code)
);

create table users (
    id            text primary key,
    district_id   text not null references districts(id),
    -- Phones and ID numbers are sealed (encrypted); sign-in finds a phone by its keyed
    -- hash. A phone is unique across the installation, since sign-in names no district.
    phone_hash    text not null unique,
    phone_sealed  text not null,
    phone_masked  text not null,        -- 138****5678: what a screen may show
    password_hash text not null,
    name          text not null,
    id_number_sealed text,
    birth_date    date,
    created_at    timestamptz not null
);

create table user_roles (
    district_id text not null references districts(id),
    user_id     text not null references users(id),
    role        text not null,
    scope_id    text not null,
    primary key (user_id, role, scope_id)
);

create table sessions (
    token_hash  text primary key,         -- SHA-256 of the token: a stolen table is useless
    district_id text not null references districts(id),
    user_id     text not null references users(id),
    created_at  timestamptz not null,
    expires_at  timestamptz not null
);

-- Children added by guardians, and youth who act for themselves (id = their user id).
create table participants (
    id          text primary key,
    district_id text not null references districts(id),
    kind        text not null check (kind in ('child', 'youth')),
    name        text not null,
    birth_date  date not null,
    id_number_sealed text not null,
    id_number_hash   text not null,      -- keyed hash: finds a duplicate without the clear value
    id_number_masked text not null,      -- 110105********1234
    guardian_id text references users(id),
    user_id     text references users(id),
    created_at  timestamptz not null,
    unique (district_id, guardian_id, id_number_hash)
);
create index participants_guardian on participants(district_id, guardian_id);

create table rounds (
    id          text primary key,
    district_id text not null references districts(id),
    title       text not null,
    budget_fen  bigint not null check (budget_fen >= 0),
    opens_at    timestamptz not null,
    closes_at   timestamptz not null,
    status      text not null,
    created_at  timestamptz not null
);

create table projects (
    id               text primary key,
    district_id      text not null references districts(id),
    round_id         text not null references rounds(id),
    organization_id  text not null references organizations(id),
    title            text not null,
    area             text not null,
    min_age          bigint not null,
    max_age          bigint not null,
    capacity         bigint not null,
    unit_price_fen   bigint not null check (unit_price_fen >= 0),
    sessions_offered bigint not null,
    sessions_bought  bigint not null default 0,
    description      text not null,
    badges           text not null,       -- JSON array of badge codes
    status           text not null,
    reason           text,
    created_at       timestamptz not null
);
create index projects_round on projects(district_id, round_id);

create table orders (
    id                    text primary key,
    district_id           text not null references districts(id),
    project_id            text not null references projects(id),
    community_id          text not null references regions(id),
    organization_id       text not null references organizations(id),
    sessions              bigint not null check (sessions > 0),
    window_start          date not null,
    window_end            date not null,
    venue                 text not null,
    expected_participants bigint not null,
    notes                 text not null,
    status                text not null,
    status_at             timestamptz not null,  -- when the current status began: deadlines count from it
    reason                text,
    committed_fen         bigint not null default 0,
    created_by            text not null references users(id),
    created_at            timestamptz not null
);
create index orders_project on orders(district_id, project_id);

-- Append-only: each status an order passed through, by whom.
create table order_history (
    id          text primary key,
    district_id text not null references districts(id),
    order_id    text not null references orders(id),
    status      text not null,
    at          timestamptz not null,
    by_user     text not null,
    note        text
);
create index order_history_order on order_history(order_id, id);

create table activities (
    id                     text primary key,
    district_id            text not null references districts(id),
    organization_id        text not null references organizations(id),
    order_id               text references orders(id),
    title                  text not null,
    description            text not null,
    starts_at              timestamptz not null,
    ends_at                timestamptz not null,
    venue                  text not null,
    capacity               bigint not null,
    waitlist_capacity      bigint not null,
    min_age                bigint not null,
    max_age                bigint not null,
    registration_opens_at  timestamptz not null,
    registration_closes_at timestamptz not null,
    badges                 text not null, -- JSON array of badge codes
    status                 text not null,
    -- The next place in line: the order in which the server admitted requests.
    next_seq               bigint not null default 1,
    created_at             timestamptz not null
);
create index activities_org on activities(district_id, organization_id);
create index activities_order on activities(order_id);

create table registrations (
    id             text primary key,
    district_id    text not null references districts(id),
    activity_id    text not null references activities(id),
    participant_id text not null references participants(id),
    made_by        text not null references users(id),
    status         text not null,
    seq            bigint not null,
    created_at     timestamptz not null,
    updated_at     timestamptz not null
);
-- At most one live registration per participant per activity, whatever the code does.
create unique index registrations_live on registrations(activity_id, participant_id)
    where status in ('confirmed', 'waitlisted', 'attended');
create index registrations_line on registrations(activity_id, status, seq);
create index registrations_participant on registrations(participant_id);

-- A retried request with the same key gets the first answer.
create table idempotency_keys (
    district_id text not null references districts(id),
    user_id     text not null references users(id),
    key         text not null,
    body        text not null,
    created_at  timestamptz not null,
    primary key (user_id, key)
);

create table badge_awards (
    id             text primary key,
    district_id    text not null references districts(id),
    participant_id text not null references participants(id),
    badge_code     text not null,
    activity_id    text not null references activities(id),
    awarded_at     timestamptz not null,
    confirmed_at   timestamptz,                  -- set when the awarding body confirms
    unique (participant_id, badge_code, activity_id)
);

create table reviews (
    id                  text primary key,
    district_id         text not null references districts(id),
    target_kind         text not null check (target_kind in ('activity', 'order', 'organization')),
    target_id           text not null,
    organization_id     text not null references organizations(id),
    author_id           text references users(id),
    author_role         text not null,
    content             bigint,
    organization_rating bigint,
    effect              bigint,
    rating              double precision,             -- the mean, or the public comment's rating
    text                text not null,
    status              text not null check (status in ('visible', 'held', 'removed')),
    reason              text,
    reply               text,
    created_at          timestamptz not null
);
create index reviews_org on reviews(district_id, organization_id, status);
create unique index reviews_once on reviews(target_kind, target_id, author_id)
    where author_id is not null;

-- The audit trail: append-only, hash-chained per district. Each event holds the hash of
-- the one before; the head row holds the last one, so that a cut tail shows too.
create table audit_events (
    id          text primary key,
    district_id text not null,
    seq         bigint not null,
    at          text not null,            -- RFC 3339 exactly as hashed
    actor       text not null,
    action      text not null,
    record_kind text not null,
    record_id   text not null,
    address     text not null,
    prev_hash   text not null,
    hash        text not null,
    unique (district_id, seq)
);

create table audit_heads (
    district_id text primary key,
    seq         bigint not null,
    hash        text not null
);

-- Append-only: the database itself refuses to change or remove an event.
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit events are append-only';
end;
$$;
create trigger audit_events_no_update before update on audit_events
    for each row execute function audit_events_append_only();
create trigger audit_events_no_delete before delete on audit_events
    for each row execute function audit_events_append_only();

-- A guardian's consent for a child under 14 (PIPL art. 31): who gave it, as what
-- relation, for what, when; withdrawn when. A new consent is a new row: history stays.
create table consents (
    id             text primary key,
    district_id    text not null references districts(id),
    participant_id text not null references participants(id),
    guardian_id    text not null references users(id),
    relation       text not null,
    scope          text not null,
    given_at       timestamptz not null,
    withdrawn_at   timestamptz
);
create index consents_participant on consents(participant_id, given_at);

-- An erased account keeps its rows for statistics, without what identifies a person.
alter table users add column erased_at timestamptz;
alter table participants add column erased_at timestamptz;

-- Failed sign-ins in a row, and the lock they bring: kept in the database so that every
-- server instance sees the same count.
alter table users add column failed_sign_ins bigint not null default 0;
alter table users add column locked_until timestamptz;

-- Casework for minors at risk. Names and notes are sealed; only the assigned worker, the
-- supervisor and holders of a live grant may read a case, and each read is audited.
create table cases (
    id                   text primary key,
    district_id          text not null references districts(id),
    organization_id      text not null references organizations(id),
    subject_name_sealed  text not null,
    subject_birth_date   date not null,
    category             text not null,
    risk_level           text,
    status               text not null,
    worker_id            text not null references users(id),
    supervisor_id        text not null references users(id),
    guardian_name_sealed text not null,
    consent_relation     text not null,
    consent_scope        text not null,
    consent_at           timestamptz not null,
    opened_at            timestamptz not null,
    closed_at            timestamptz
);
create index cases_worker on cases(district_id, worker_id);
create index cases_supervisor on cases(district_id, supervisor_id);

create table case_notes (
    id          text primary key,
    district_id text not null references districts(id),
    case_id     text not null references cases(id),
    kind        text not null,
    text_sealed text not null,
    author_id   text not null references users(id),
    at          timestamptz not null
);
create index case_notes_case on case_notes(case_id, id);

create table case_grants (
    id          text primary key,
    district_id text not null references districts(id),
    case_id     text not null references cases(id),
    grantee_id  text not null references users(id),
    granted_by  text not null references users(id),
    expires_at  timestamptz not null,
    created_at  timestamptz not null
);
create index case_grants_grantee on case_grants(grantee_id, case_id);
