package protocol

func init() { Register(Locking{}) }

// Locking is the reference implementation: every write is one READ COMMITTED
// transaction that first locks what its checks depend on, so the checks and
// the writes they guard cannot interleave with another client's.
//
//   - join and leave lock the group row (SELECT … FOR UPDATE): membership and
//     member count cannot change under them; a unique index backs I1 anyway.
//   - transfer locks both wallets in name order, so two opposite transfers
//     cannot deadlock.
//   - every debit is conditional (… WHERE balance >= $amount), and every
//     balance change writes its ledger entry in the same statement.
//
// Bug variants embed Locking and replace the one operation they get wrong.
type Locking struct{ core }

// Info implements Variant.
func (Locking) Info() Info {
	return Info{Name: "locking", Summary: "one transaction per write; SELECT … FOR UPDATE on the group (and on wallets in name order) serializes the checks; conditional debits; a unique index on memberships"}
}
