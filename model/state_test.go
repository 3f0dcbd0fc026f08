package model

import (
	"slices"
	"testing"
)

// testWorld: u0 is rich, u1 is poor; g0 has room for one, g1 for two.
var testWorld = World{
	Users:  []User{{"u0", 100}, {"u1", 5}},
	Groups: []Group{{Name: "g0", Capacity: 1, Fee: 10}, {Name: "g1", Capacity: 2, Fee: 0}},
}

// run steps the initial state of testWorld through calls and returns the
// final state and the last output.
func run(t *testing.T, calls ...Input) (State, Output) {
	t.Helper()
	s := Initial(testWorld)
	var out Output
	for _, in := range calls {
		if err := in.Check(testWorld); err != nil {
			t.Fatalf("test input: %v", err)
		}
		s, out = s.Step(in)
	}
	return s, out
}

func join(u, g string) Input          { return Input{Op: OpJoin, User: u, Group: g} }
func leave(u, g string) Input         { return Input{Op: OpLeave, User: u, Group: g} }
func deposit(u string, n int64) Input { return Input{Op: OpDeposit, User: u, Amount: n} }
func transfer(from, to string, n int64) Input {
	return Input{Op: OpTransfer, User: from, To: to, Amount: n}
}

func TestStepOutputs(t *testing.T) {
	tests := []struct {
		name  string
		calls []Input
		want  Output
	}{
		{"a user with enough money joins a group with room", []Input{join("u0", "g0")}, Output{Result: Joined}},
		{"a member joining again is already a member", []Input{join("u0", "g0"), join("u0", "g0")}, Output{Result: AlreadyMember}},
		{"joining a full group is refused as full", []Input{join("u0", "g0"), deposit("u1", 100), join("u1", "g0")}, Output{Result: Full}},
		{"a user who cannot pay the fee is refused", []Input{join("u1", "g0")}, Output{Result: InsufficientFunds}},
		{"a zero fee needs no money", []Input{transfer("u1", "u0", 5), join("u1", "g1")}, Output{Result: Joined}},
		{"already_member comes before full", []Input{join("u0", "g0"), join("u0", "g0")}, Output{Result: AlreadyMember}},
		{"full comes before insufficient_funds", []Input{join("u0", "g0"), join("u1", "g0")}, Output{Result: Full}},
		{"a member leaves", []Input{join("u0", "g0"), leave("u0", "g0")}, Output{Result: Left}},
		{"a non-member cannot leave", []Input{leave("u0", "g0")}, Output{Result: NotMember}},
		{"leaving twice is not_member the second time", []Input{join("u0", "g0"), leave("u0", "g0"), leave("u0", "g0")}, Output{Result: NotMember}},
		{"a deposit is ok", []Input{deposit("u1", 7)}, Output{Result: OK}},
		{"a covered transfer is ok", []Input{transfer("u0", "u1", 100)}, Output{Result: OK}},
		{"an uncovered transfer is refused", []Input{transfer("u1", "u0", 6)}, Output{Result: InsufficientFunds}},
		{"a wallet balance reads the wallet", []Input{deposit("u1", 7), {Op: OpBalance, User: "u1"}}, Output{Amount: 12}},
		{"a pot balance reads fee times members", []Input{join("u0", "g0"), {Op: OpBalance, Group: "g0"}}, Output{Amount: 10}},
		{"members are sorted", []Input{join("u1", "g1"), join("u0", "g1"), {Op: OpMembers, Group: "g1"}}, Output{Members: []string{"u0", "u1"}}},
		{"an empty group has no members", []Input{{Op: OpMembers, Group: "g1"}}, Output{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := run(t, tt.calls...)
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStepMovesMoney(t *testing.T) {
	tests := []struct {
		name               string
		calls              []Input
		wantU0, wantU1     int64
		wantPot            int64
		wantMembersOfGroup []string
	}{
		{"join moves the fee into the pot", []Input{join("u0", "g0")}, 90, 5, 10, []string{"u0"}},
		{"leave moves the fee back", []Input{join("u0", "g0"), leave("u0", "g0")}, 100, 5, 0, nil},
		{"a refused join moves nothing", []Input{join("u1", "g0")}, 100, 5, 0, nil},
		{"a transfer moves the amount", []Input{transfer("u0", "u1", 30)}, 70, 35, 0, nil},
		{"a refused transfer moves nothing", []Input{transfer("u1", "u0", 30)}, 100, 5, 0, nil},
		{"a deposit adds to the wallet", []Input{deposit("u0", 1)}, 101, 5, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := run(t, tt.calls...)
			if got, want := s.Wallet("u0"), tt.wantU0; got != want {
				t.Errorf("u0: got %d, want %d", got, want)
			}
			if got, want := s.Wallet("u1"), tt.wantU1; got != want {
				t.Errorf("u1: got %d, want %d", got, want)
			}
			if got, want := s.Pot("g0"), tt.wantPot; got != want {
				t.Errorf("pot g0: got %d, want %d", got, want)
			}
			if got, want := s.Members("g0"), tt.wantMembersOfGroup; !slices.Equal(got, want) {
				t.Errorf("members g0: got %v, want %v", got, want)
			}
		})
	}
}

func TestStepNeverChangesItsReceiver(t *testing.T) {
	s, _ := run(t, join("u0", "g1"))
	before := s.Describe()
	for _, in := range []Input{join("u1", "g1"), leave("u0", "g1"), deposit("u0", 3), transfer("u0", "u1", 3)} {
		s.Step(in)
	}
	if got := s.Describe(); got != before {
		t.Errorf("state changed under Step: got %s, want %s", got, before)
	}
}

func TestEqualStatesHashEqually(t *testing.T) {
	a, _ := run(t, join("u0", "g1"), join("u1", "g1"))
	b, _ := run(t, join("u1", "g1"), join("u0", "g1"))
	if !a.Equal(b) || a.Hash() != b.Hash() {
		t.Errorf("same state reached two ways: equal=%v, hashes %x and %x", a.Equal(b), a.Hash(), b.Hash())
	}
	c, _ := run(t, join("u0", "g1"))
	if a.Equal(c) {
		t.Errorf("different states compare equal: %s and %s", a.Describe(), c.Describe())
	}
	// Different states, each differing from another in one field Equal
	// compares (a member, a balance, a pot), hash differently here: a hash
	// that skipped a field would make porcupine's cache conflate them.
	seen := map[uint64]string{}
	for _, ins := range [][]Input{nil, {join("u0", "g1")}, {join("u1", "g1")}, {join("u0", "g1"), join("u1", "g1")},
		{deposit("u0", 3)}, {deposit("u1", 3)}, {transfer("u0", "u1", 3)}, {join("u0", "g1"), leave("u0", "g1")}} {
		s, _ := run(t, ins...)
		if other, dup := seen[s.Hash()]; dup && other != s.Describe() {
			t.Errorf("%s and %s hash alike", other, s.Describe())
		}
		seen[s.Hash()] = s.Describe()
	}
}

func TestCheckRejectsCallsThatDoNotFitTheWorld(t *testing.T) {
	tests := []struct {
		name string
		in   Input
	}{
		{"an unknown user", join("u9", "g0")},
		{"an unknown group", join("u0", "g9")},
		{"a zero deposit", deposit("u0", 0)},
		{"a negative transfer", transfer("u0", "u1", -1)},
		{"a transfer to oneself", transfer("u0", "u0", 1)},
		{"a balance of two accounts", Input{Op: OpBalance, User: "u0", Group: "g0"}},
		{"a balance of no account", Input{Op: OpBalance}},
		{"an unknown operation", Input{Op: "steal", User: "u0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.in.Check(testWorld); err == nil {
				t.Errorf("Check(%v) = nil, want an error", tt.in)
			}
		})
	}
}
