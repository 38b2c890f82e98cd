-- Volunteers (志愿者): a user's profile as a volunteer. Name and ID number stay on the
-- user, sealed; lists show the volunteer number instead.
create table volunteers (
    user_id              text primary key references users(id),
    district_id          text not null references districts(id),
    volunteer_no         text not null,
    skills               text not null, -- JSON array of skill codes
    availability         text not null, -- JSON array of {weekday, from, to}
    home_region_id       text references regions(id),
    max_minutes_per_week integer not null,
    created_at           text not null,
    updated_at           text not null,
    unique (district_id, volunteer_no)
);

-- Youth shock teams (青年突击队) and their volunteer service squads (志愿服务小分队).
create table teams (
    id          text primary key,
    district_id text not null references districts(id),
    name        text not null,
    leader_id   text references users(id),
    created_at  text not null
);
create index teams_district on teams(district_id);

create table squads (
    id          text primary key,
    district_id text not null references districts(id),
    team_id     text not null references teams(id),
    name        text not null,
    region_id   text not null references regions(id),
    leader_id   text references users(id),
    created_at  text not null
);
create index squads_team on squads(district_id, team_id);
create index squads_leader on squads(leader_id);

-- A volunteer serves in one squad at a time.
create table squad_members (
    district_id  text not null references districts(id),
    squad_id     text not null references squads(id),
    volunteer_id text not null unique references volunteers(user_id),
    joined_at    text not null,
    primary key (squad_id, volunteer_id)
);
