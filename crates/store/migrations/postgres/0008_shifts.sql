-- Tasks (任务): where volunteers are needed, by whom, optionally serving an activity.
-- The task's maker is an organization, a team, or the League itself (both null).
create table tasks (
    id              text primary key,
    district_id     text not null references districts(id),
    title           text not null,
    area            text not null,
    description     text not null,
    region_id       text not null references regions(id),
    venue           text not null,
    activity_id     text references activities(id),
    organization_id text references organizations(id),
    team_id         text references teams(id),
    created_by      text not null references users(id),
    created_at      timestamptz not null
);
create index tasks_district on tasks(district_id, created_at);

-- A shift (班次) of a task: a time, a head count, skills every person needs, an age.
create table shifts (
    id          text primary key,
    district_id text not null references districts(id),
    task_id     text not null references tasks(id),
    starts_at   timestamptz not null,
    ends_at     timestamptz not null,
    needed      bigint not null check (needed > 0),
    skills      text not null, -- JSON array of skill codes
    min_age     bigint not null,
    created_at  timestamptz not null
);
create index shifts_time on shifts(district_id, starts_at);
create index shifts_task on shifts(task_id);

-- A roster (排班) proposed by the solver for the shifts of a window of days.
create table rosters (
    id             text primary key,
    district_id    text not null references districts(id),
    team_id        text references teams(id), -- a team leader's roster covers their team
    window_from    date not null,
    window_to      date not null,
    status         text not null,
    unmet          bigint not null,
    proven_optimal bigint not null,
    objective      double precision not null,
    bound          double precision not null,
    seconds        double precision not null,
    made_by        text not null references users(id),
    created_at     timestamptz not null,
    published_at   timestamptz
);
create index rosters_district on rosters(district_id, created_at);

-- A volunteer on a shift, from a roster or their own sign-up; see
-- volunteer::AssignmentStatus. Declined and cancelled rows stay: a roster never
-- proposes that pair again.
create table assignments (
    id              text primary key,
    district_id     text not null references districts(id),
    shift_id        text not null references shifts(id),
    volunteer_id    text not null references volunteers(user_id),
    roster_id       text references rosters(id),
    status          text not null,
    reason          text,
    idempotency_key text,
    checked_in_at   timestamptz,
    checked_out_at  timestamptz,
    created_at      timestamptz not null,
    updated_at      timestamptz not null
);
create unique index assignments_live on assignments(shift_id, volunteer_id)
    where status not in ('declined', 'cancelled');
create index assignments_volunteer on assignments(volunteer_id, status);
create index assignments_roster on assignments(roster_id);

-- Service hours (志愿服务记录) as 民政部《志愿服务记录与证明出具办法》 asks: never edited
-- (triggers refuse it); a correction is a new record naming the one it corrects.
create table service_hours (
    id              text primary key,
    district_id     text not null references districts(id),
    volunteer_id    text not null references volunteers(user_id),
    assignment_id   text references assignments(id),
    shift_id        text not null references shifts(id),
    content         text not null,
    place           text not null,
    starts_at       timestamptz not null,
    ends_at         timestamptz not null,
    served_on       date not null, -- the day served, Beijing time
    minutes         bigint not null check (minutes >= 0),
    organization    text not null, -- who records it: the task's organization or the League
    recorded_by     text not null references users(id),
    recorded_at     timestamptz not null,
    corrects        text unique references service_hours(id),
    reason          text
);
create index service_hours_volunteer on service_hours(volunteer_id, served_on);
create index service_hours_district on service_hours(district_id, served_on);
create function service_hours_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'service hours are never edited or deleted';
end;
$$;
create trigger service_hours_no_update before update on service_hours
    for each row execute function service_hours_append_only();
create trigger service_hours_no_delete before delete on service_hours
    for each row execute function service_hours_append_only();

-- Certificates (志愿服务证明): a serial anyone can verify, the period and its minutes.
create table certificates (
    serial        text primary key,
    district_id   text not null references districts(id),
    volunteer_id  text not null references volunteers(user_id),
    period_from   date not null,
    period_to     date not null,
    total_minutes bigint not null,
    issuer        text not null,
    issued_at     timestamptz not null
);
create index certificates_volunteer on certificates(volunteer_id);
