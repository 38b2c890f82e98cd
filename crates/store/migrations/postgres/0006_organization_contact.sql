-- An organization's public telephone, shown to families on its activities.
alter table organizations add column contact_phone text not null default '';
