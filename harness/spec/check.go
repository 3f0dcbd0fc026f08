package spec

import (
	"fmt"
	"slices"
	"strings"
)

// check is isolationtester's check_testspec: unique step names, permutation
// steps that exist, markers that name a step of the same line and of
// another session; and, with listed permutations, a warning per unused step.
func (s *Spec) check() error {
	seen := map[string]*Step{}
	var names []string
	for _, sess := range s.Sessions {
		for _, st := range sess.Steps {
			if first, ok := seen[st.Name]; ok {
				return &Error{File: s.File, Pos: st.Pos, Msg: fmt.Sprintf("duplicate step name: %s", st.Name),
					Hint: fmt.Sprintf("step names are global across sessions; the first %s is at %s, in session %s",
						st.Name, first.Pos, s.Sessions[first.Session].Name)}
			}
			seen[st.Name] = st
			names = append(names, st.Name)
		}
	}
	used := map[string]bool{}
	for _, perm := range s.Permutations {
		if err := s.linkPermutation(perm, s.File); err != nil {
			return err
		}
		for _, ps := range perm.Steps {
			used[ps.Name] = true
		}
	}
	if len(s.Permutations) > 0 {
		slices.Sort(names) // isolationtester sorts with strcmp: byte order
		for _, n := range names {
			if !used[n] {
				s.Warnings = append(s.Warnings, "unused step name: "+n)
			}
		}
	}
	return nil
}

// linkPermutation points each step and marker of perm at its step.
func (s *Spec) linkPermutation(perm *Permutation, file string) error {
	for _, ps := range perm.Steps {
		ps.Step = s.StepByName(ps.Name)
		if ps.Step == nil {
			return &Error{File: file, Pos: ps.Pos, Msg: fmt.Sprintf("undefined step %q specified in permutation", ps.Name),
				Hint: s.suggest(ps.Name)}
		}
	}
	for _, ps := range perm.Steps {
		for _, b := range ps.Blockers {
			if b.Kind == BlockOnce {
				continue
			}
			i := slices.IndexFunc(perm.Steps, func(o *PermStep) bool { return o.Name == b.StepName })
			if i < 0 {
				return &Error{File: file, Pos: b.Pos,
					Msg:  fmt.Sprintf("undefined blocking step %q referenced in permutation step %q", b.StepName, ps.Name),
					Hint: "a marker names a step of the same permutation line"}
			}
			b.Step = perm.Steps[i].Step
			if b.Step.Session == ps.Step.Session {
				return &Error{File: file, Pos: b.Pos,
					Msg: fmt.Sprintf("permutation step %q cannot block on its own session", ps.Name),
					Hint: fmt.Sprintf("%s and %s are both steps of session %s, which runs one step at a time",
						ps.Name, b.StepName, s.Sessions[ps.Step.Session].Name)}
			}
		}
	}
	return nil
}

// suggest names the closest step to a misspelt one, or lists them all.
func (s *Spec) suggest(name string) string {
	best, bestD := "", 3
	var all []string
	for _, sess := range s.Sessions {
		for _, st := range sess.Steps {
			all = append(all, st.Name)
			if d := distance(name, st.Name); d < bestD {
				best, bestD = st.Name, d
			}
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s?", best)
	}
	return "the steps are: " + strings.Join(all, " ")
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
