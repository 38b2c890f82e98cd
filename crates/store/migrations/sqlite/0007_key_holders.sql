-- Which data key each running server seals with. `rotate-key` waits until every live
-- server has followed a new key before it retires the old ones: a server beats once a
-- second, so one that stopped beating is gone. One row per server process, of the
-- installation rather than of a district.
create table key_holders (
    instance text primary key,
    key_id   text not null,
    beat     integer not null
);
