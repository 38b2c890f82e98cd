-- The audit trail: append-only, hash-chained per district. Each event holds the hash of
-- the one before; the head row holds the last one, so that a cut tail shows too.
create table audit_events (
    id          text primary key,
    district_id text not null,
    seq         integer not null,
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
    seq         integer not null,
    hash        text not null
);

-- Append-only: the database itself refuses to change or remove an event.
create trigger audit_events_no_update before update on audit_events
begin
    select raise(abort, 'audit events are append-only');
end;
create trigger audit_events_no_delete before delete on audit_events
begin
    select raise(abort, 'audit events are append-only');
end;
