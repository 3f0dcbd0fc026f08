package model

import (
	"errors"
	"strings"
	"testing"
)

func TestParseScenario(t *testing.T) {
	sc, err := ParseScenario("c0: join(u0,g0) balance(g0); c1: transfer(u0, u1, 30), balance(u1)", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sc.String(), "c0: join(u0,g0) balance(g0); c1: transfer(u0,u1,30) balance(u1)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := sc.World.String(), "users=u0:100,u1:100 groups=g0:cap=2:fee=10"; got != want {
		t.Errorf("default world %q, want %q", got, want)
	}
	if sc.Clients[0][1].Group != "g0" || sc.Clients[0][1].User != "" {
		t.Errorf("balance(g0) should read the pot: %+v", sc.Clients[0][1])
	}
	again, err := ParseScenario(sc.String(), sc.World.String())
	if err != nil || again.String() != sc.String() || again.World.String() != sc.World.String() {
		t.Errorf("does not read back: %v %v", again, err)
	}
}

func TestParseErrorsPointAtTheCharacter(t *testing.T) {
	tests := []struct {
		spec, world string
		wantCol     int
		wantMsg     string
	}{
		{"c0: jion(u0,g0)", "", 5, "expected an operation"},
		{"c0: join(u0 g0", "", 15, `expected ')'`},
		{"c1: join(u0,g0)", "", 1, "expected client c0"},
		{"c0: deposit(u0,-5)", "", 16, "expected a whole amount > 0"},
		{"c0: deposit(u0,x)", "", 16, "expected a whole amount"},
		{"c0: join(u0,g0)", "users=u0:abc", 10, "expected an opening balance"},
		{"c0: join(u0,g0)", "users=u0:1 groups=g0:size=2", 22, "expected cap=N or fee=N"},
		{"", "", 1, "expected a scenario"},
	}
	for _, tt := range tests {
		_, err := ParseScenario(tt.spec, tt.world)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseScenario(%q, %q) = %v, want a SyntaxError", tt.spec, tt.world, err)
			continue
		}
		if se.Offset+1 != tt.wantCol || !strings.Contains(se.Msg, tt.wantMsg) || !strings.Contains(err.Error(), "^") {
			t.Errorf("ParseScenario(%q, %q): column %d %q, want column %d %q\n%v", tt.spec, tt.world, se.Offset+1, se.Msg, tt.wantCol, tt.wantMsg, err)
		}
	}
	if _, err := ParseScenario("c0: join(u0,g0)", "users=u1:5 groups=g0"); err == nil || !strings.Contains(err.Error(), `no user "u0"`) {
		t.Errorf("a call naming a user not in the world: %v", err)
	}
}
