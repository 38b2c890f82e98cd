-- Seats taken and places waitlisted, kept on the activity by the database itself, so
-- that admitting the ten-thousandth registrant does not count the first 9,999 again.
alter table activities add column seats_taken integer not null default 0;
alter table activities add column waitlisted integer not null default 0;

update activities set
    seats_taken = (select count(*) from registrations r
                   where r.activity_id = activities.id and r.status in ('confirmed', 'attended')),
    waitlisted  = (select count(*) from registrations r
                   where r.activity_id = activities.id and r.status = 'waitlisted');

create trigger registrations_count_insert after insert on registrations
begin
    update activities set
        seats_taken = seats_taken + (new.status in ('confirmed', 'attended')),
        waitlisted  = waitlisted + (new.status = 'waitlisted')
    where id = new.activity_id;
end;

create trigger registrations_count_update after update of status on registrations
begin
    update activities set
        seats_taken = seats_taken + (new.status in ('confirmed', 'attended')) - (old.status in ('confirmed', 'attended')),
        waitlisted  = waitlisted + (new.status = 'waitlisted') - (old.status = 'waitlisted')
    where id = new.activity_id;
end;

create trigger registrations_count_delete after delete on registrations
begin
    update activities set
        seats_taken = seats_taken - (old.status in ('confirmed', 'attended')),
        waitlisted  = waitlisted - (old.status = 'waitlisted')
    where id = old.activity_id;
end;

-- Adding a child looks for the same ID number by its keyed hash; without this index
-- every addition read every participant of the district.
create index participants_id_number on participants(district_id, id_number_hash);
