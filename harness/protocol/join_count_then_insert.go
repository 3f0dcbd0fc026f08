package protocol

import "jbcheck.dev/jbcheck/model"

func init() { Register(JoinCountThenInsert{Locking{core{optimistic: true}}}) }

// JoinCountThenInsert checks capacity with count(*) under READ COMMITTED
// without locking the group row. The unique index on memberships is kept, so
// one user cannot join twice, but two different users joining the last seat
// both count a free seat and both get in: the group goes over capacity.
type JoinCountThenInsert struct{ Locking }

// Info implements Variant.
func (JoinCountThenInsert) Info() Info {
	return Info{Name: "join-count-then-insert",
		Summary: "BUG: join counts members without locking the group (a unique index is kept): two users can take the last seat",
		Breaks:  []model.Guarantee{model.Linearizable, model.Capacity}}
}
