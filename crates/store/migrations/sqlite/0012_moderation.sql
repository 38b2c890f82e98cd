-- Moderation (issue 15): the state a moderator hides a review in is `hidden`, as the API
-- names it; the organization's reply carries when it was written. SQLite cannot change a
-- check constraint, so the table is rebuilt with its rows.
create table reviews_moderated (
    id                  text primary key,
    district_id         text not null references districts(id),
    target_kind         text not null check (target_kind in ('activity', 'order', 'organization')),
    target_id           text not null,
    organization_id     text not null references organizations(id),
    author_id           text references users(id),
    author_role         text not null,
    content             integer,
    organization_rating integer,
    effect              integer,
    rating              real,             -- the mean, or the public comment's rating
    text                text not null,
    status              text not null check (status in ('visible', 'held', 'hidden')),
    reason              text,
    reply               text,
    replied_at          text,
    created_at          text not null
);
insert into reviews_moderated
    select id, district_id, target_kind, target_id, organization_id, author_id, author_role,
           content, organization_rating, effect, rating, text,
           case status when 'removed' then 'hidden' else status end,
           reason, reply, case when reply is null then null else created_at end, created_at
    from reviews;
drop table reviews;
alter table reviews_moderated rename to reviews;
create index reviews_org on reviews(district_id, organization_id, status);
create index reviews_queue on reviews(district_id, status, id);
create unique index reviews_once on reviews(target_kind, target_id, author_id)
    where author_id is not null;
