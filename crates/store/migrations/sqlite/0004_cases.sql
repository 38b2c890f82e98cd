-- Casework for minors at risk. Names and notes are sealed; only the assigned worker, the
-- supervisor and holders of a live grant may read a case, and each read is audited.
create table cases (
    id                   text primary key,
    district_id          text not null references districts(id),
    organization_id      text not null references organizations(id),
    subject_name_sealed  text not null,
    subject_birth_date   text not null,
    category             text not null,
    risk_level           text,
    status               text not null,
    worker_id            text not null references users(id),
    supervisor_id        text not null references users(id),
    guardian_name_sealed text not null,
    consent_relation     text not null,
    consent_scope        text not null,
    consent_at           text not null,
    opened_at            text not null,
    closed_at            text
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
    at          text not null
);
create index case_notes_case on case_notes(case_id, id);

create table case_grants (
    id          text primary key,
    district_id text not null references districts(id),
    case_id     text not null references cases(id),
    grantee_id  text not null references users(id),
    granted_by  text not null references users(id),
    expires_at  text not null,
    created_at  text not null
);
create index case_grants_grantee on case_grants(grantee_id, case_id);
