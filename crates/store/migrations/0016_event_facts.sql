-- What an event records beyond its action, as a fact (JSON, motcua_domain::history::Fact)
-- rather than a sentence: each reader sees it in their own language. `note` keeps only what a
-- person wrote. Covered by the event's hash when present.
ALTER TABLE events ADD COLUMN fact TEXT;
