package spec

import (
	"fmt"
	"strings"
)

// Spec is a parsed isolation test specification: what isolationtester reads.
type Spec struct {
	File         string   // for messages
	Setups       []*Block // run in order on the control connection, before every permutation
	Teardown     *Block   // run on the control connection after every permutation
	Sessions     []*Session
	Permutations []*Permutation // empty: every interleaving of the sessions' steps
	// Warnings are isolationtester's warnings ("unused step name: x"), in
	// its order; it prints them to standard error and goes on.
	Warnings []string
}

// Pos is a place in a spec file: line and column, from 1.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Block is a block of SQL, as the scanner kept it: leading spaces and tabs
// after "{" and trailing ones before "}" removed, newlines kept.
type Block struct {
	SQL string
	Pos Pos
}

// Session is one connection of the spec and its steps.
type Session struct {
	Name     string
	Pos      Pos
	Index    int
	Setup    *Block
	Steps    []*Step
	Teardown *Block
}

// Step is a named block of SQL that one session runs as one simple-query
// message.
type Step struct {
	Name    string
	Pos     Pos
	SQL     string
	Session int // index into Spec.Sessions
	Index   int // index into its session's Steps
}

// Permutation is an order of steps, each maybe with markers.
type Permutation struct {
	Pos   Pos
	Steps []*PermStep
}

// PermStep is one step of a permutation.
type PermStep struct {
	Name     string
	Pos      Pos
	Step     *Step
	Blockers []*Blocker
}

// BlockerKind is the kind of a permutation step's marker.
type BlockerKind int

const (
	// BlockOnStep: not reported complete while the named step is active.
	BlockOnStep BlockerKind = iota
	// BlockOnNotices: not reported complete before the named step's session
	// has sent Notices more notices, counted from this step's launch.
	BlockOnNotices
	// BlockOnce (*): reported as waiting at once, whether or not it waits.
	BlockOnce
)

// Blocker is a marker of a permutation step: "(other)", "(other notices N)"
// or "(*)".
type Blocker struct {
	Kind     BlockerKind
	StepName string
	Pos      Pos
	Step     *Step
	Notices  int
}

// String writes the permutation as a permutation line's steps, markers
// included, so that it parses back (ParsePermutation).
func (p *Permutation) String() string {
	var parts []string
	for _, ps := range p.Steps {
		s := quoteName(ps.Name)
		if len(ps.Blockers) > 0 {
			var bs []string
			for _, b := range ps.Blockers {
				switch b.Kind {
				case BlockOnce:
					bs = append(bs, "*")
				case BlockOnStep:
					bs = append(bs, quoteName(b.StepName))
				case BlockOnNotices:
					bs = append(bs, fmt.Sprintf("%s notices %d", quoteName(b.StepName), b.Notices))
				}
			}
			s += "(" + strings.Join(bs, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// Names are the permutation's step names, as isolationtester's "starting
// permutation:" line shows them (no markers, no quotes).
func (p *Permutation) Names() []string {
	names := make([]string, len(p.Steps))
	for i, ps := range p.Steps {
		names[i] = ps.Name
	}
	return names
}

// quoteName quotes a step name when the scanner would not read it back as
// that identifier: a keyword, or anything but identifier characters.
func quoteName(name string) string {
	if name != "" && !isKeyword(name) && isIdentStart(name[0]) {
		plain := true
		for i := 1; i < len(name); i++ {
			plain = plain && isIdentCont(name[i])
		}
		if plain {
			return name
		}
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// StepByName finds a step.
func (s *Spec) StepByName(name string) *Step {
	for _, sess := range s.Sessions {
		for _, st := range sess.Steps {
			if st.Name == name {
				return st
			}
		}
	}
	return nil
}

// AllPermutations calls yield with every interleaving of the sessions'
// steps that keeps each session's steps in order, in isolationtester's
// order (sessions tried in spec order at each position), until yield
// returns false. It is what runs when a spec lists no permutation.
func (s *Spec) AllPermutations(yield func(*Permutation) bool) {
	piles := make([]int, len(s.Sessions))
	total := 0
	for _, sess := range s.Sessions {
		total += len(sess.Steps)
	}
	steps := make([]*PermStep, 0, total)
	var rec func() bool
	rec = func() bool {
		found := false
		for i, sess := range s.Sessions {
			if piles[i] < len(sess.Steps) {
				st := sess.Steps[piles[i]]
				steps = append(steps, &PermStep{Name: st.Name, Step: st})
				piles[i]++
				ok := rec()
				piles[i]--
				steps = steps[:len(steps)-1]
				if !ok {
					return false
				}
				found = true
			}
		}
		if !found {
			return yield(&Permutation{Steps: append([]*PermStep(nil), steps...)})
		}
		return true
	}
	rec()
}

// CountPermutations is how many permutations a run of the spec has: the
// listed ones, or every interleaving (saturating at max).
func (s *Spec) CountPermutations(max int) int {
	if len(s.Permutations) > 0 {
		return len(s.Permutations)
	}
	n := 0
	s.AllPermutations(func(*Permutation) bool { n++; return n < max })
	return n
}
