package protocol

import "jbcheck.dev/jbcheck/model"

func init() { Register(JoinCheckThenInsert{Locking{core{optimistic: true}}}) }

// JoinCheckThenInsert is the first flaky test's server: join SELECTs for an
// existing membership, then INSERTs, under READ COMMITTED, with no lock on the
// group and no unique constraint on memberships. Two concurrent joins by the
// same user both see "not a member" and both insert: two `joined`, and the
// membership stored twice. Without the group lock the capacity check races
// too (I2), and a member stored twice gets one refund for two fees when it
// leaves, which puts the pot out of step with the members (I6).
type JoinCheckThenInsert struct{ Locking }

// Info implements Variant.
func (JoinCheckThenInsert) Info() Info {
	return Info{Name: "join-check-then-insert",
		Summary: "BUG: join checks for an existing membership, then inserts, without a lock or a unique constraint: concurrent joins by one user all succeed",
		Breaks:  []model.Guarantee{model.Linearizable, model.UniqueMembership, model.Capacity, model.PotConsistency}}
}

// Schema implements Variant: without the unique index nothing stops the
// second insert.
func (JoinCheckThenInsert) Schema() string {
	return "DROP INDEX IF EXISTS memberships_unique;"
}
