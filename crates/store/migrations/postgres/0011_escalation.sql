-- No order left behind: when an overdue order's current step was escalated (cleared
-- when the order moves on), in-app notices, outgoing events for later webhooks, and the
-- leases that keep one background job per installation however many servers run.
alter table orders add column escalated_at timestamptz;

create table notices (
    id          text primary key,
    district_id text not null references districts(id),
    audience    text not null,      -- the role that sees it in the district: league_admin
    kind        text not null,      -- order.overdue
    subject_id  text not null,
    created_at  timestamptz not null,
    read_at     timestamptz
);
create index notices_audience on notices(district_id, audience, id);

create table outbox_events (
    id           text primary key,
    district_id  text not null references districts(id),
    kind         text not null,
    subject_id   text not null,
    payload      text not null,     -- JSON, as a webhook will send it
    created_at   timestamptz not null,
    delivered_at timestamptz
);
create index outbox_pending on outbox_events(delivered_at, id);

-- The installation's, not a district's: one row per job, made here and only updated, so
-- that taking a lease is one conditional update on both engines.
create table job_leases (
    name       text primary key,
    holder     text not null,
    expires_at timestamptz not null
);
insert into job_leases (name, holder, expires_at) values ('orders.overdue', '', '1970-01-01T00:00:00Z');
