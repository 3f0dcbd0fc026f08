package shrink

import (
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// call is one invocation in a stress history's world.
type call struct {
	client int
	index  int // its place in its client's calls in this world
}

// Candidates lists the scenarios cut from one world of h, smallest first,
// each once: a call in focus with the writes before it on the rows it
// names; two calls of different clients invoked within neighbours calls
// of each other (a race needs two clients), a client's two consecutive
// calls (a stale read needs only one client and the worker), then the pairs
// again with one of each client's previous calls, with the last earlier
// write by a third client that names every user and group one of the pair
// names (the
// state a race needs, such as the membership two leaves remove: it runs as
// client 0, first in the first schedules explored), and with two previous
// calls of each. Every scenario starts
// from the world's opening state. Candidates that race two alike calls
// (the same operation on the same user and group: the usual race) and
// candidates with a call in focus (invoke lines, such as the call a
// linearizability finding could not place) come first.
func Candidates(h *histories.History, world int64, neighbours int, focus map[int]bool) []model.Scenario {
	spec := h.Header.Worlds[world]
	byClient := map[int][]histories.Event{} // each client's invokes in this world
	var order []call                        // every invoke in this world, in file order
	for _, e := range h.Events {
		if e.Type != histories.Invoke || e.World != world || e.Input == nil {
			continue
		}
		order = append(order, call{e.Client, len(byClient[e.Client])})
		byClient[e.Client] = append(byClient[e.Client], e)
	}
	seen := map[string]bool{}
	var out []ranked
	add := func(alike bool, clients ...[]histories.Event) {
		sc := model.Scenario{World: spec}
		focused := false
		for _, calls := range clients {
			script := make([]model.Input, len(calls))
			for i, e := range calls {
				script[i] = *e.Input
				script[i].World = 0
				focused = focused || focus[e.Line]
			}
			sc.Clients = append(sc.Clients, script)
		}
		// Clients are interchangeable: one key for every order.
		key := make([]string, len(sc.Clients))
		for i, calls := range sc.Clients {
			key[i] = fmt.Sprint(calls)
		}
		slices.Sort(key)
		if k := strings.Join(key, ";"); !seen[k] {
			seen[k] = true
			rank := 2
			if focused {
				rank--
			}
			if alike {
				rank--
			}
			out = append(out, ranked{sc, rank})
		}
	}
	event := func(c call) histories.Event { return byClient[c.client][c.index] }
	// with is client c's calls up to i, with up to k before it.
	with := func(c call, k int) []histories.Event {
		return byClient[c.client][max(0, c.index-k) : c.index+1]
	}
	// pairs calls each(i, a, b) for every pair worth racing.
	pairs := func(each func(i int, a, b call)) {
		for i, a := range order {
			for _, b := range order[i+1 : min(len(order), i+1+neighbours)] {
				if a.client != b.client && !(event(a).Input.Op.ReadOnly() && event(b).Input.Op.ReadOnly()) {
					each(i, a, b)
				}
			}
		}
	}
	alike := func(a, b call) bool {
		x, y := *event(a).Input, *event(b).Input
		return x.Op == y.Op && x.User == y.User && x.To == y.To && x.Group == y.Group
	}
	// A call in focus (the one porcupine could not place, such as a stale
	// read), alone and after its client's previous call, with each of the
	// last neighbours earlier writes of another client on the rows it
	// names, however long before it ran.
	for i, b := range order {
		if !focus[event(b).Line] {
			continue
		}
		found := 0
		for j := i - 1; j >= 0 && found < neighbours; j-- {
			if a := order[j]; a.client != b.client && !event(a).Input.Op.ReadOnly() && covers(event(a), event(b), event(b)) {
				add(true, with(a, 0), with(b, 0))
				add(true, with(a, 0), with(b, 1))
				found++
			}
		}
	}
	pairs(func(_ int, a, b call) { add(alike(a, b), with(a, 0), with(b, 0)) })
	for _, c := range order {
		if c.index > 0 {
			add(false, with(c, 1))
		}
	}
	pairs(func(_ int, a, b call) { add(alike(a, b), with(a, 1), with(b, 1)) })
	pairs(func(i int, a, b call) {
		for j := i - 1; j >= 0; j-- {
			x := order[j]
			if x.client != a.client && x.client != b.client && !event(x).Input.Op.ReadOnly() && covers(event(x), event(a), event(b)) {
				add(alike(a, b), with(x, 0), with(a, 0), with(b, 0))
				return
			}
		}
	})
	pairs(func(_ int, a, b call) { add(alike(a, b), with(a, 2), with(b, 2)) })
	slices.SortStableFunc(out, func(a, b ranked) int { return a.rank - b.rank })
	scenarios := make([]model.Scenario, len(out))
	for i, r := range out {
		scenarios[i] = r.Scenario
	}
	return scenarios
}

// ranked is a candidate and its place in line: 0 when it races two alike
// calls (same operation on the same names) and holds a call in focus, 1
// with one of the two, 2 with neither.
type ranked struct {
	model.Scenario
	rank int
}

// covers reports whether x names every user and group a names, or every
// one b names: x may set up the state they race on.
func covers(x, a, b histories.Event) bool {
	names := func(e histories.Event) []string {
		return slices.DeleteFunc([]string{e.Input.User, e.Input.To, e.Input.Group}, func(s string) bool { return s == "" })
	}
	all := func(of histories.Event) bool {
		return !slices.ContainsFunc(names(of), func(n string) bool { return !slices.Contains(names(x), n) })
	}
	return all(a) || all(b)
}
