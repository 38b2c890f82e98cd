-- Dispatch plans (派单方案): the League's proposal for splitting the sessions left among
-- the submitted orders, kept as made (a JSON document) and applied at most once.
create table dispatch_plans (
    id          text primary key,
    district_id text not null references districts(id),
    created_by  text not null references users(id),
    created_at  timestamptz not null,
    plan        text not null,
    applied_at  timestamptz,
    applied_by  text references users(id)
);
create index dispatch_plans_district on dispatch_plans(district_id, id);
