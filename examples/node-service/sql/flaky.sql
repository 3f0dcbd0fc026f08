-- The flaky version's tables: jbcheck's schema.sql, without the unique index
-- on memberships (nothing stops the second insert of a join).
DROP INDEX IF EXISTS memberships_unique;
