package model

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Scenario is what each client does, in one world: client i runs Clients[i]
// in order. Scenarios are written for people and bug reports:
//
//	c0: join(u0,g0); c1: join(u0,g0)
//	c0: deposit(u0,5) balance(u0); c1: transfer(u0,u1,30)
//
// with the world as
//
//	users=u0:100,u1:50 groups=g0:cap=2:fee=10
//
// or, by default, every user named in the calls with 100 and every group with
// capacity 2 and fee 10.
type Scenario struct {
	World   World
	Clients [][]Input // World left 0
}

// ErrSyntax is wrapped by every scenario or world parse error.
var ErrSyntax = errors.New("syntax error")

// SyntaxError points at the offending character.
type SyntaxError struct {
	What   string // "scenario" or "world"
	Text   string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s, column %d: %s\n  %s\n  %s^", e.What, e.Offset+1, e.Msg, e.Text, strings.Repeat(" ", e.Offset))
}

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// ParseScenario reads a scenario and its world ("" for the default world).
func ParseScenario(spec, world string) (Scenario, error) {
	clients, err := parseClients(spec)
	if err != nil {
		return Scenario{}, err
	}
	sc := Scenario{Clients: clients}
	if world == "" {
		sc.World = defaultWorld(clients)
	} else if sc.World, err = ParseWorld(world); err != nil {
		return Scenario{}, err
	}
	// Names are resolved against the world: balance(x) reads a wallet or a
	// pot depending on what x is.
	for c, calls := range sc.Clients {
		for i := range calls {
			in := &sc.Clients[c][i]
			if in.Op == OpBalance && sc.World.HasGroup(in.User) {
				in.Group, in.User = in.User, ""
			}
			if err := in.Check(sc.World); err != nil {
				return Scenario{}, fmt.Errorf("client c%d, call %d: %w", c, i+1, err)
			}
		}
	}
	return sc, nil
}

// String writes the scenario back in its own syntax.
func (sc Scenario) String() string {
	var parts []string
	for c, calls := range sc.Clients {
		var cs []string
		for _, in := range calls {
			cs = append(cs, in.String())
		}
		parts = append(parts, fmt.Sprintf("c%d: %s", c, strings.Join(cs, " ")))
	}
	return strings.Join(parts, "; ")
}

// String writes the world in the --world syntax.
func (w World) String() string {
	var users, groups []string
	for _, u := range w.Users {
		users = append(users, fmt.Sprintf("%s:%d", u.Name, u.Opening))
	}
	for _, g := range w.Groups {
		groups = append(groups, fmt.Sprintf("%s:cap=%d:fee=%d", g.Name, g.Capacity, g.Fee))
	}
	text := "users=" + strings.Join(users, ",")
	if len(groups) > 0 {
		text += " groups=" + strings.Join(groups, ",")
	}
	return text
}

// arity is how many arguments each operation takes; the last argument of
// deposit and transfer is a number.
var arity = map[Op]int{OpJoin: 2, OpLeave: 2, OpDeposit: 2, OpTransfer: 3, OpBalance: 1, OpMembers: 1}

// scanner walks a text and reports errors at its position.
type scanner struct {
	what, text string
	pos        int
}

func (s *scanner) fail(format string, args ...any) error {
	return &SyntaxError{What: s.what, Text: s.text, Offset: s.pos, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.text) && (s.text[s.pos] == ' ' || s.text[s.pos] == '\t' || s.text[s.pos] == ',') {
		s.pos++
	}
}

func (s *scanner) done() bool { s.skipSpace(); return s.pos >= len(s.text) }

func (s *scanner) peek() byte {
	if s.pos < len(s.text) {
		return s.text[s.pos]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	s.skipSpace()
	if s.peek() != c {
		return s.fail("expected %q", c)
	}
	s.pos++
	return nil
}

// word reads a name or a number.
func (s *scanner) word() string {
	s.skipSpace()
	start := s.pos
	for s.pos < len(s.text) {
		r := rune(s.text[s.pos])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' {
			break
		}
		s.pos++
	}
	return s.text[start:s.pos]
}

func parseClients(spec string) ([][]Input, error) {
	s := &scanner{what: "scenario", text: spec}
	var clients [][]Input
	for !s.done() {
		start := s.pos
		label := s.word()
		if label != fmt.Sprintf("c%d", len(clients)) {
			s.pos = start
			return nil, s.fail("expected client c%d (clients are numbered from c0, in order)", len(clients))
		}
		if err := s.expect(':'); err != nil {
			return nil, err
		}
		var calls []Input
		for !s.done() && s.peek() != ';' {
			in, err := parseCall(s)
			if err != nil {
				return nil, err
			}
			calls = append(calls, in)
		}
		if len(calls) == 0 {
			return nil, s.fail("expected at least one call for c%d, such as join(u0,g0)", len(clients))
		}
		clients = append(clients, calls)
		if s.peek() == ';' {
			s.pos++
		}
	}
	if len(clients) == 0 {
		return nil, s.fail("expected a scenario such as \"c0: join(u0,g0); c1: join(u0,g0)\"")
	}
	return clients, nil
}

func parseCall(s *scanner) (Input, error) {
	s.skipSpace()
	start := s.pos
	op := Op(s.word())
	n, known := arity[op]
	if !known {
		s.pos = start
		return Input{}, s.fail("expected an operation: one of %v", Ops)
	}
	if err := s.expect('('); err != nil {
		return Input{}, err
	}
	var args []string
	var argPos []int
	for len(args) < n {
		s.skipSpace()
		argPos = append(argPos, s.pos)
		a := s.word()
		if a == "" {
			return Input{}, s.fail("%s takes %d argument(s): expected a name or a number", op, n)
		}
		args = append(args, a)
	}
	if err := s.expect(')'); err != nil {
		return Input{}, err
	}
	in := Input{Op: op}
	number := func(i int) (int64, error) {
		v, err := strconv.ParseInt(args[i], 10, 64)
		if err != nil || v <= 0 {
			s.pos = argPos[i]
			return 0, s.fail("expected a whole amount > 0")
		}
		return v, nil
	}
	var err error
	switch op {
	case OpJoin, OpLeave:
		in.User, in.Group = args[0], args[1]
	case OpDeposit:
		in.User = args[0]
		in.Amount, err = number(1)
	case OpTransfer:
		in.User, in.To = args[0], args[1]
		in.Amount, err = number(2)
	case OpBalance:
		in.User = args[0] // may be a group: Parse resolves it
	case OpMembers:
		in.Group = args[0]
	}
	return in, err
}

// defaultWorld gives every user named in the calls 100 and every group
// capacity 2 and fee 10. A name is a group if it starts with g.
func defaultWorld(clients [][]Input) World {
	var w World
	addUser := func(name string) {
		if name != "" && !w.HasUser(name) && !strings.HasPrefix(name, "g") {
			w.Users = append(w.Users, User{Name: name, Opening: 100})
		}
	}
	addGroup := func(name string) {
		if name != "" && !w.HasGroup(name) {
			w.Groups = append(w.Groups, Group{Name: name, Capacity: 2, Fee: 10})
		}
	}
	for _, calls := range clients {
		for _, in := range calls {
			addUser(in.User)
			addUser(in.To)
			addGroup(in.Group)
			if in.Op == OpBalance && strings.HasPrefix(in.User, "g") {
				addGroup(in.User)
			}
		}
	}
	slices.SortFunc(w.Users, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.Groups, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	return w
}

// ParseWorld reads "users=u0:100,u1:50 groups=g0:cap=2:fee=10".
func ParseWorld(text string) (World, error) {
	s := &scanner{what: "world", text: text}
	var w World
	for !s.done() {
		start := s.pos
		section := s.word()
		if section != "users" && section != "groups" {
			s.pos = start
			return w, s.fail("expected users=… or groups=…")
		}
		if err := s.expect('='); err != nil {
			return w, err
		}
		for {
			s.skipSpace()
			itemStart := s.pos
			name := s.word()
			if name == "" {
				return w, s.fail("expected a name")
			}
			if section == "users" {
				if err := s.expect(':'); err != nil {
					return w, err
				}
				numPos := s.pos
				v, err := strconv.ParseInt(s.word(), 10, 64)
				if err != nil || v < 0 {
					s.pos = numPos
					return w, s.fail("expected an opening balance ≥ 0")
				}
				w.Users = append(w.Users, User{Name: name, Opening: v})
			} else {
				g := Group{Name: name, Capacity: 2, Fee: 10}
				for s.peek() == ':' {
					s.pos++
					keyPos := s.pos
					key := s.word()
					if err := s.expect('='); err != nil {
						return w, err
					}
					v, err := strconv.ParseInt(s.word(), 10, 64)
					switch {
					case err != nil || v < 0:
						s.pos = keyPos
						return w, s.fail("expected %s=NUMBER with a number ≥ 0", key)
					case key == "cap":
						g.Capacity = int(v)
					case key == "fee":
						g.Fee = v
					default:
						s.pos = keyPos
						return w, s.fail("expected cap=N or fee=N")
					}
				}
				w.Groups = append(w.Groups, g)
			}
			if err := w.Validate(); err != nil {
				s.pos = itemStart
				return w, s.fail("%v", err)
			}
			if s.peek() != ',' {
				break
			}
			s.pos++
		}
	}
	if len(w.Users) == 0 {
		return w, s.fail("expected at least one user, such as users=u0:100")
	}
	return w, nil
}
