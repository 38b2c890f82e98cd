-- What a League office tunes for its district (the check-in window, …), one JSON
-- document; what it never set takes the default in the domain.
alter table districts add column settings text not null default '{}';

-- Secrets are sealed under the data key like the other secrets of the platform. The
-- raw ones are dropped: each is made anew on first use (a check-in code shown at the
-- moment of the upgrade stops working within two minutes anyway).
drop table secrets;
create table secrets (
    district_id  text not null references districts(id),
    name         text not null,
    value_sealed text not null,
    primary key (district_id, name)
);

-- Failed sign-ins, counted per phone and client address so that guessing from one
-- place never locks the owner out elsewhere. Keyed by a keyed hash, for known and
-- unknown phones alike (the district is the account's, or '' for a phone nobody has).
-- In the database so that every server instance sees the same count.
create table sign_in_throttle (
    key_hash     text primary key,
    district_id  text not null,
    failures     integer not null,
    locked_until text,
    updated_at   text not null
);
alter table users drop column failed_sign_ins;
alter table users drop column locked_until;
