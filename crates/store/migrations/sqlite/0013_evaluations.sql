-- Third-party evaluations (第三方评估): an evaluator's scores of an organization for a
-- round, with the weighted total and grade as they were when it was made.
create table evaluations (
    id                   text primary key,
    district_id          text not null references districts(id),
    organization_id      text not null references organizations(id),
    round_id             text not null references rounds(id),
    evaluator_id         text not null references users(id),
    management           integer not null check (management between 0 and 100),
    professional_service integer not null check (professional_service between 0 and 100),
    outcomes             integer not null check (outcomes between 0 and 100),
    finance              integer not null check (finance between 0 and 100),
    satisfaction         integer not null check (satisfaction between 0 and 100),
    total                real not null,
    grade                text not null check (grade in ('A', 'B', 'C', 'D')),
    notes                text not null,
    created_at           text not null,
    unique (round_id, organization_id, evaluator_id)
);
create index evaluations_org on evaluations(district_id, organization_id, created_at);
