-- A case number people can say on the phone: the district's cases counted in the order
-- they were opened (ids are UUIDv7, so they sort by creation).
alter table cases add column case_no integer not null default 0;
update cases set case_no = (
    select count(*) from cases earlier
    where earlier.district_id = cases.district_id and earlier.id <= cases.id
);
create unique index cases_district_case_no on cases (district_id, case_no);
