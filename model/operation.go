package model

import (
	"fmt"
	"slices"
	"strings"
)

// Op names one of the six operations of the protocol.
type Op string

// The operations of the protocol (docs/guarantees.md, docs/extending.md).
const (
	OpJoin     Op = "join"
	OpLeave    Op = "leave"
	OpDeposit  Op = "deposit"
	OpTransfer Op = "transfer"
	OpBalance  Op = "balance"
	OpMembers  Op = "members"
	// OpAudit is not a call: it is the harness reading a whole world (a
	// history's audit event), which the linearizability check treats as a
	// read whose answer is the stored State.
	OpAudit Op = "audit"
)

// Ops lists every operation, in a fixed order.
var Ops = []Op{OpJoin, OpLeave, OpDeposit, OpTransfer, OpBalance, OpMembers}

// ReadOnly reports whether o only reads (balance, members).
func (o Op) ReadOnly() bool { return o == OpBalance || o == OpMembers }

// Result is the outcome of a join, leave, deposit or transfer.
type Result string

// The results an operation can return. Their meaning is in State.Step.
const (
	Joined            Result = "joined"
	AlreadyMember     Result = "already_member"
	Full              Result = "full"
	InsufficientFunds Result = "insufficient_funds"
	Left              Result = "left"
	NotMember         Result = "not_member"
	OK                Result = "ok"
)

// Input is one operation call. Which fields matter depends on Op:
//
//	join, leave   User, Group
//	deposit       User, Amount
//	transfer      User (the source), To, Amount
//	balance       User (a wallet) or Group (a pot)
//	members       Group
type Input struct {
	World  int64  `json:"world,omitempty"`
	Op     Op     `json:"op,omitempty"`
	User   string `json:"user,omitempty"`
	Group  string `json:"group,omitempty"`
	To     string `json:"to,omitempty"`
	Amount int64  `json:"amount,omitempty"`
}

// Output is what an operation returned: a Result for the four writes, an
// Amount for balance, the sorted Members for members.
type Output struct {
	Result  Result   `json:"result,omitempty"`
	Amount  int64    `json:"amount,omitempty"`
	Members []string `json:"members,omitempty"`
}

// Equal reports whether two outputs are the same answer. A nil and an empty
// member list are the same answer.
func (o Output) Equal(p Output) bool {
	return o.Result == p.Result && o.Amount == p.Amount && slices.Equal(o.Members, p.Members)
}

// String renders the call the way scenarios are written: join(u0,g0).
func (in Input) String() string {
	switch in.Op {
	case OpJoin, OpLeave:
		return fmt.Sprintf("%s(%s,%s)", in.Op, in.User, in.Group)
	case OpDeposit:
		return fmt.Sprintf("deposit(%s,%d)", in.User, in.Amount)
	case OpTransfer:
		return fmt.Sprintf("transfer(%s,%s,%d)", in.User, in.To, in.Amount)
	case OpBalance:
		return fmt.Sprintf("balance(%s)", in.User+in.Group)
	case OpMembers:
		return fmt.Sprintf("members(%s)", in.Group)
	case OpAudit:
		return "audit"
	}
	return fmt.Sprintf("%s(?)", in.Op)
}

// String renders the answer: joined, 40, [u0 u1].
func (o Output) String() string {
	switch {
	case o.Result != "":
		return string(o.Result)
	case o.Members != nil:
		return "[" + strings.Join(o.Members, " ") + "]"
	default:
		return fmt.Sprint(o.Amount)
	}
}

// Check reports whether in is a well-formed call in world w.
func (in Input) Check(w World) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadInput, in, fmt.Sprintf(format, args...))
	}
	needUser := func(name string) error {
		if !w.HasUser(name) {
			return bad("no user %q in the world", name)
		}
		return nil
	}
	needGroup := func(name string) error {
		if !w.HasGroup(name) {
			return bad("no group %q in the world", name)
		}
		return nil
	}
	switch in.Op {
	case OpJoin, OpLeave:
		if err := needUser(in.User); err != nil {
			return err
		}
		return needGroup(in.Group)
	case OpDeposit:
		if in.Amount <= 0 {
			return bad("amount must be positive")
		}
		return needUser(in.User)
	case OpTransfer:
		if in.Amount <= 0 {
			return bad("amount must be positive")
		}
		if in.User == in.To {
			return bad("cannot transfer to oneself")
		}
		if err := needUser(in.User); err != nil {
			return err
		}
		return needUser(in.To)
	case OpBalance:
		if (in.User == "") == (in.Group == "") {
			return bad("name exactly one account: a user's wallet or a group's pot")
		}
		if in.User != "" {
			return needUser(in.User)
		}
		return needGroup(in.Group)
	case OpMembers:
		return needGroup(in.Group)
	}
	return bad("unknown operation %q", in.Op)
}
