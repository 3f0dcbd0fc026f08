package spec_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/spec"
)

// TestSpecParseErrorsPointAtTheProblem: every error names the file, the line
// and the column of what is wrong, and says what was expected.
func TestSpecParseErrorsPointAtTheProblem(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg, hint string // substrings of the message and the hint
	}{
		{"semicolon outside a block", "session s1\nstep a { SELECT 1 };\n", 2, 20, `unexpected character ";"`, "inside a { SQL } block"},
		{"unterminated block", "session s1\nstep a { SELECT 1\n", 2, 8, "unterminated SQL block", "first"},
		{"unterminated name", "session \"s1\nstep a { }", 1, 12, "unexpected newline in quoted identifier", "quoted name"},
		{"name at end of file", "session \"s1", 1, 9, "unterminated quoted identifier", ""},
		{"no session", "setup { CREATE TABLE t () }\n", 2, 1, `expected "session", found the end of the file`, "one or more sessions"},
		{"a keyword as a name", "session step\n", 1, 9, `expected a name after "session", found "step"`, `write "step"`},
		{"a session without steps", "session s1\nsetup { BEGIN; }\nteardown { COMMIT; }\n", 3, 1, `expected "step" in session s1, found "teardown"`, "at least one step"},
		{"two teardowns", "teardown { }\nteardown { }\nsession s1 step a { }\n", 2, 1, `expected "session", found "teardown"`, "at most one teardown"},
		{"setup after teardown", "teardown { }\nsetup { }\nsession s1 step a { }\n", 2, 1, `expected "session"`, "before the teardown"},
		{"a session after a permutation", "session s1 step a { }\npermutation a\nsession s2 step b { }\n", 3, 1, `unexpected "session"`, "before the permutation lines"},
		{"an empty permutation", "session s1 step a { }\npermutation\n", 3, 1, `expected a step name after "permutation"`, ""},
		{"a keyword as a step name", "session s1 step \"step\" { }\npermutation step\n", 2, 13, `expected a step name after "permutation", found "step"`, `write "step"`},
		{"a bad marker", "session s1 step a { }\nsession s2 step b { }\npermutation a(1) b\n", 3, 15, "expected a marker, found the number 1", `"*"`},
		{"notices without a count", "session s1 step a { }\nsession s2 step b { }\npermutation a(b notices) b\n", 3, 24, `expected a number after "notices"`, ""},
		{"an unclosed marker list", "session s1 step a { }\nsession s2 step b { }\npermutation a(b b\n", 3, 17, `expected "," or ")" after a marker`, ""},
		{"a duplicate step", "session s1 step a { }\nsession s2 step a { }\n", 2, 17, "duplicate step name: a", "first a is at 1:17, in session s1"},
		{"an undefined step", "session s1 step s1a { }\nsession s2 step s2a { }\npermutation s1a s2b\n", 3, 17, `undefined step "s2b" specified in permutation`, "did you mean s2a?"},
		{"an undefined blocker", "session s1 step a { }\nsession s2 step b { }\npermutation a(c) b\n", 3, 15, `undefined blocking step "c" referenced in permutation step "a"`, "same permutation line"},
		{"a blocker of the same session", "session s1 step a { } step a2 { }\nsession s2 step b { }\npermutation a(a2) a2 b\n", 3, 15, `permutation step "a" cannot block on its own session`, "both steps of session s1"},
		{"a comment does not hide an error", "# session s0\nsession s1 step a { } }\n", 2, 23, `unexpected character "}"`, "no \"}\" can be written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("x.spec", tt.src)
			var perr *spec.Error
			if !errors.As(err, &perr) {
				t.Fatalf("got %v, want a *spec.Error", err)
			}
			if perr.File != "x.spec" || perr.Pos.Line != tt.line || perr.Pos.Col != tt.col {
				t.Errorf("at %s:%d:%d, want x.spec:%d:%d (%v)", perr.File, perr.Pos.Line, perr.Pos.Col, tt.line, tt.col, err)
			}
			if !strings.Contains(perr.Msg, tt.msg) || !strings.Contains(perr.Hint, tt.hint) {
				t.Errorf("message %q, hint %q; want them to hold %q and %q", perr.Msg, perr.Hint, tt.msg, tt.hint)
			}
			if want := "x.spec:" + perr.Pos.String() + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}

// TestSpecParseKeepsWhatIsolationtesterKeeps: the scanner's rules, which decide
// what the transcript shows of each step.
func TestSpecParseKeepsWhatIsolationtesterKeeps(t *testing.T) {
	src := "# a comment\n" +
		"setup { CREATE TABLE t (); }\nsetup\n{\n  SELECT 1 AS \"#x\";\n}\n" +
		"teardown\t{  DROP TABLE t;\t }\n" +
		"session \"first session\"\n" +
		"setup { }\n" +
		"step \"permutation\" {\tSELECT 1; -- a }\n" + // the first } ends the block, even in a comment
		"step Step1 { SELECT 2 ; } # Step1 and step1 differ\n" +
		"step step1 { SELECT 3 }\n" +
		"teardown { ROLLBACK }\n" +
		"session s2 step \"quote\"\"d\" { SELECT 4 }\n" +
		"permutation \"permutation\"(\"quote\"\"d\", *) Step1(\"quote\"\"d\" notices 2) \"quote\"\"d\"\n"
	sp, err := spec.Parse("x.spec", src)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{sp.Setups[0].SQL, sp.Setups[1].SQL, sp.Teardown.SQL}; !slices.Equal(got, []string{
		"CREATE TABLE t ();", "\n  SELECT 1 AS \"#x\";\n", "DROP TABLE t;"}) {
		t.Errorf("setup and teardown blocks: %q", got)
	}
	s1 := sp.Sessions[0]
	if s1.Name != "first session" || s1.Setup.SQL != "" || s1.Teardown.SQL != "ROLLBACK" {
		t.Errorf("session: %q, setup %q, teardown %q", s1.Name, s1.Setup.SQL, s1.Teardown.SQL)
	}
	var names, sqls []string
	for _, st := range s1.Steps {
		names, sqls = append(names, st.Name), append(sqls, st.SQL)
	}
	if !slices.Equal(names, []string{"permutation", "Step1", "step1"}) || !slices.Equal(sqls, []string{"SELECT 1; -- a", "SELECT 2 ;", "SELECT 3"}) {
		t.Errorf("steps %q with SQL %q", names, sqls)
	}
	if got := sp.Sessions[1].Steps[0].Name; got != `quote"d` {
		t.Errorf(`quoted name: %q, want quote"d`, got)
	}
	perm := sp.Permutations[0]
	if got := perm.String(); got != `"permutation"("quote""d", *) Step1("quote""d" notices 2) "quote""d"` {
		t.Errorf("permutation: %s", got)
	}
	if b := perm.Steps[1].Blockers[0]; b.Kind != spec.BlockOnNotices || b.Notices != 2 || b.Step != sp.Sessions[1].Steps[0] {
		t.Errorf("marker: %+v", b)
	}
	if !slices.Equal(sp.Warnings, []string{"unused step name: step1"}) {
		t.Errorf("warnings: %q", sp.Warnings)
	}
	again, err := sp.ParsePermutation(perm.String())
	if err != nil || again.String() != perm.String() {
		t.Errorf("the permutation does not parse back: %v, %v", again, err)
	}
}

// TestSpecAllPermutationsInIsolationtestersOrder: with no permutation listed,
// every interleaving that keeps each session's steps in order, sessions
// tried in spec order at each position.
func TestSpecAllPermutationsInIsolationtestersOrder(t *testing.T) {
	sp, err := spec.Parse("x.spec", "session s1 step a1 { } step a2 { }\nsession s2 step b1 { }\nsession s3 step c1 { }\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	sp.AllPermutations(func(p *spec.Permutation) bool {
		got = append(got, strings.Join(p.Names(), " "))
		return true
	})
	want := []string{"a1 a2 b1 c1", "a1 a2 c1 b1", "a1 b1 a2 c1", "a1 b1 c1 a2", "a1 c1 a2 b1", "a1 c1 b1 a2",
		"b1 a1 a2 c1", "b1 a1 c1 a2", "b1 c1 a1 a2", "c1 a1 a2 b1", "c1 a1 b1 a2", "c1 b1 a1 a2"}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if n := sp.CountPermutations(5); n != 5 {
		t.Errorf("CountPermutations(5) = %d, want 5 (it saturates)", n)
	}
}
