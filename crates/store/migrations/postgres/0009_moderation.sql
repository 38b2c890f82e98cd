-- Moderation (issue 15): the state a moderator hides a review in is `hidden`, as the API
-- names it; the organization's reply carries when it was written.
alter table reviews drop constraint reviews_status_check;
update reviews set status = 'hidden' where status = 'removed';
alter table reviews add constraint reviews_status_check
    check (status in ('visible', 'held', 'hidden'));
alter table reviews add column replied_at timestamptz;
update reviews set replied_at = created_at where reply is not null;
create index reviews_queue on reviews(district_id, status, id);
