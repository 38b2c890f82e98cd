-- youthloop on SQLite. Every table carries district_id, the tenant key, so that the
-- same schema can later be sharded by district; ids are UUIDv7 text, never sequences.
-- Times are UTC text as sqlx writes them; dates are 'YYYY-MM-DD'.

create table districts (
    id          text primary key,
    district_id text not null,           -- equal to id: the tenant of the tenant row
    name        text not null,
    code        text not null unique,
    created_at  text not null
);

-- Per-district secrets shared by every server instance (the check-in code key).
create table secrets (
    district_id text not null references districts(id),
    name        text not null,
    value       blob not null,
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
    created_at  text not null,
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
    birth_date    text,
    created_at    text not null
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
    created_at  text not null,
    expires_at  text not null
);

-- Children added by guardians, and youth who act for themselves (id = their user id).
create table participants (
    id          text primary key,
    district_id text not null references districts(id),
    kind        text not null check (kind in ('child', 'youth')),
    name        text not null,
    birth_date  text not null,
    id_number_sealed text not null,
    id_number_hash   text not null,      -- keyed hash: finds a duplicate without the clear value
    id_number_masked text not null,      -- 110105********1234
    guardian_id text references users(id),
    user_id     text references users(id),
    created_at  text not null,
    unique (district_id, guardian_id, id_number_hash)
);
create index participants_guardian on participants(district_id, guardian_id);

create table rounds (
    id          text primary key,
    district_id text not null references districts(id),
    title       text not null,
    budget_fen  integer not null check (budget_fen >= 0),
    opens_at    text not null,
    closes_at   text not null,
    status      text not null,
    created_at  text not null
);

create table projects (
    id               text primary key,
    district_id      text not null references districts(id),
    round_id         text not null references rounds(id),
    organization_id  text not null references organizations(id),
    title            text not null,
    area             text not null,
    min_age          integer not null,
    max_age          integer not null,
    capacity         integer not null,
    unit_price_fen   integer not null check (unit_price_fen >= 0),
    sessions_offered integer not null,
    sessions_bought  integer not null default 0,
    description      text not null,
    badges           text not null,       -- JSON array of badge codes
    status           text not null,
    reason           text,
    created_at       text not null
);
create index projects_round on projects(district_id, round_id);

create table orders (
    id                    text primary key,
    district_id           text not null references districts(id),
    project_id            text not null references projects(id),
    community_id          text not null references regions(id),
    organization_id       text not null references organizations(id),
    sessions              integer not null check (sessions > 0),
    window_start          text not null,
    window_end            text not null,
    venue                 text not null,
    expected_participants integer not null,
    notes                 text not null,
    status                text not null,
    status_at             text not null,  -- when the current status began: deadlines count from it
    reason                text,
    committed_fen         integer not null default 0,
    created_by            text not null references users(id),
    created_at            text not null
);
create index orders_project on orders(district_id, project_id);

-- Append-only: each status an order passed through, by whom.
create table order_history (
    id          text primary key,
    district_id text not null references districts(id),
    order_id    text not null references orders(id),
    status      text not null,
    at          text not null,
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
    starts_at              text not null,
    ends_at                text not null,
    venue                  text not null,
    capacity               integer not null,
    waitlist_capacity      integer not null,
    min_age                integer not null,
    max_age                integer not null,
    registration_opens_at  text not null,
    registration_closes_at text not null,
    badges                 text not null, -- JSON array of badge codes
    status                 text not null,
    -- The next place in line: the order in which the server admitted requests.
    next_seq               integer not null default 1,
    created_at             text not null
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
    seq            integer not null,
    created_at     text not null,
    updated_at     text not null
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
    created_at  text not null,
    primary key (user_id, key)
);

create table badge_awards (
    id             text primary key,
    district_id    text not null references districts(id),
    participant_id text not null references participants(id),
    badge_code     text not null,
    activity_id    text not null references activities(id),
    awarded_at     text not null,
    confirmed_at   text,                  -- set when the awarding body confirms
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
    content             integer,
    organization_rating integer,
    effect              integer,
    rating              real,             -- the mean, or the public comment's rating
    text                text not null,
    status              text not null check (status in ('visible', 'held', 'removed')),
    reason              text,
    reply               text,
    created_at          text not null
);
create index reviews_org on reviews(district_id, organization_id, status);
create unique index reviews_once on reviews(target_kind, target_id, author_id)
    where author_id is not null;
