package protocol

func init() {
	Register(Serializable{core{optimistic: true, isolation: "serializable", retries: 20}})
}

// Serializable does not lock the group: every statement of its sessions runs
// at SERIALIZABLE isolation, and PostgreSQL's serializable snapshot isolation
// aborts whichever transaction would break serializability (SQLSTATE 40001,
// or 40P01 for a deadlock). The operation is then retried, up to 20 times,
// with bounded, jittered exponential backoff. Transfers still lock their two
// wallets in name order — not for serializability, but because two opposite
// transfers would otherwise deadlock on their row updates, and PostgreSQL
// takes a second (deadlock_timeout) to notice.
type Serializable struct{ core }

// Info implements Variant.
func (Serializable) Info() Info {
	return Info{Name: "serializable", Summary: "no group lock: SERIALIZABLE transactions, retried on SQLSTATE 40001/40P01 with bounded, jittered backoff"}
}
