-- The join and balance protocol's tables (docs/architecture.md). Every variant gets its
-- own PostgreSQL schema holding these tables, so that variants never share
-- rows and one database can hold them all. A variant may alter its copy
-- (Variant.Schema) — dropping a constraint is how some bugs are made.

CREATE TABLE IF NOT EXISTS worlds (
    id bigserial PRIMARY KEY
);

-- Wallets (kind 'wallet', owner a user) and pots (kind 'pot', owner a group).
CREATE TABLE IF NOT EXISTS accounts (
    world   bigint NOT NULL REFERENCES worlds,
    kind    text   NOT NULL CHECK (kind IN ('wallet', 'pot')),
    owner   text   NOT NULL,
    balance bigint NOT NULL,
    PRIMARY KEY (world, kind, owner)
);

CREATE TABLE IF NOT EXISTS groups (
    world    bigint  NOT NULL REFERENCES worlds,
    name     text    NOT NULL,
    capacity integer NOT NULL CHECK (capacity >= 0),
    fee      bigint  NOT NULL CHECK (fee >= 0),
    PRIMARY KEY (world, name)
);

-- No primary key: the unique index below is what backs I1, and a variant
-- that drops it shows what happens without it.
CREATE TABLE IF NOT EXISTS memberships (
    world bigint NOT NULL,
    grp   text   NOT NULL,
    usr   text   NOT NULL,
    FOREIGN KEY (world, grp) REFERENCES groups
);
CREATE UNIQUE INDEX IF NOT EXISTS memberships_unique ON memberships (world, grp, usr);

-- Every movement of money, one row per account touched. An account's balance
-- must equal the sum of its entries (I5); deposits (reason 'deposit') are
-- what conservation (I4) counts, opening balances included. applied is for
-- ledger-first variants, whose background worker moves entries into the
-- balance column: an entry written with applied = false is not there yet.
CREATE TABLE IF NOT EXISTS ledger (
    id      bigserial PRIMARY KEY,
    world   bigint  NOT NULL,
    kind    text    NOT NULL,
    owner   text    NOT NULL,
    delta   bigint  NOT NULL,
    reason  text    NOT NULL,
    applied boolean NOT NULL DEFAULT true
);
CREATE INDEX IF NOT EXISTS ledger_account ON ledger (world, kind, owner);
CREATE INDEX IF NOT EXISTS ledger_unapplied ON ledger (id) WHERE NOT applied;

-- The calls that ran, by the id their caller gave them (protocol.OperationID)
-- and the answer they gave: a caller that lost a reply retries under the same
-- id, and the variants that keep their calls idempotent answer the retry from
-- here instead of running the call twice.
CREATE TABLE IF NOT EXISTS operations (
    world  bigint NOT NULL,
    id     text   NOT NULL,
    result text   NOT NULL,
    PRIMARY KEY (world, id)
);
