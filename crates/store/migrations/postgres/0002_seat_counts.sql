-- Seats taken and places waitlisted, kept on the activity by the database itself, so
-- that admitting the ten-thousandth registrant does not count the first 9,999 again.
alter table activities add column seats_taken bigint not null default 0;
alter table activities add column waitlisted bigint not null default 0;

update activities set
    seats_taken = (select count(*) from registrations r
                   where r.activity_id = activities.id and r.status in ('confirmed', 'attended')),
    waitlisted  = (select count(*) from registrations r
                   where r.activity_id = activities.id and r.status = 'waitlisted');

create function registrations_count() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        update activities set
            seats_taken = seats_taken - (old.status in ('confirmed', 'attended'))::int,
            waitlisted  = waitlisted - (old.status = 'waitlisted')::int
        where id = old.activity_id;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        update activities set
            seats_taken = seats_taken + (new.status in ('confirmed', 'attended'))::int,
            waitlisted  = waitlisted + (new.status = 'waitlisted')::int
        where id = new.activity_id;
    end if;
    return null;
end
$$;

create trigger registrations_count after insert or update of status or delete on registrations
    for each row execute function registrations_count();

-- Adding a child looks for the same ID number by its keyed hash; without this index
-- every addition read every participant of the district.
create index participants_id_number on participants(district_id, id_number_hash);
