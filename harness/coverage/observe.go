package coverage

import (
	"math"
	"strconv"
	"strings"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// call is one call of a history: its client, world and input, and when it
// ran (invoke and completion times; a call with no completion runs to the
// end).
type call struct {
	client     int
	world      int64
	in         model.Input
	start, end int64
}

// Span is a stretch of a run in its history's clock: for a stress run,
// nanoseconds since the run's start; for a schedule-mode run, steps.
type Span struct{ Start, End int64 }

// Observe is the windows one run reached. h is its history; transcript its
// engine transcript (schedule mode), nil for a stress run; rounds the
// background worker's rounds in h's clock, for a stress run whose worker
// was watched (Rounds), nil otherwise (a schedule-mode run's come from its
// transcript).
//
// In schedule mode a call's statements are known from the transcript, so
// MidCall is exact: a statement of another client, or an audit, between
// the call's first and last statements. A stress history knows only when
// calls started and ended: there, MidCall is an audit of the world while a
// call ran, or another client's call that started and ended within it.
func Observe(h *histories.History, transcript []string, rounds []Span) Set {
	calls := callsOf(h)
	schedule := h.Header.Mode == histories.ModeSchedule
	var s Set
	for i, a := range calls {
		for _, b := range calls[i+1:] {
			if a.client == b.client || a.world != b.world || !overlap(a.start, a.end, b.start, b.end) {
				continue
			}
			s[SameRows] = s[SameRows] || sameRows(a.in, b.in)
			s[ReadWrite] = s[ReadWrite] || readWrite(a.in, b.in)
			if !schedule {
				s[MidCall] = s[MidCall] || nested(a, b) || nested(b, a)
			}
		}
	}
	if schedule {
		steps, workerRounds := parseTranscript(transcript)
		for _, c := range calls {
			first, last := c.start/3, (c.end-1)/3
			for k := first + 1; k < last && !s[MidCall]; k++ {
				role := steps[k]
				s[MidCall] = strings.HasPrefix(role, "c") && role != "c"+strconv.Itoa(c.client)
			}
		}
		for _, a := range h.Audits {
			k := (a.Time - 2) / 3
			for _, c := range calls {
				s[MidCall] = s[MidCall] || c.world == a.World && c.start/3 <= k && k < (c.end-1)/3
			}
		}
		s[WorkerRound] = concurrentRound(calls, workerRounds, func(c call) Span { return Span{c.start / 3, (c.end - 1) / 3} })
		return s
	}
	for _, a := range h.Audits {
		for _, c := range calls {
			s[MidCall] = s[MidCall] || c.world == a.World && c.start < a.Time && a.Time < c.end
		}
	}
	s[WorkerRound] = concurrentRound(calls, rounds, func(c call) Span { return Span{c.start, c.end} })
	return s
}

// concurrentRound: some call on an account overlaps some round.
func concurrentRound(calls []call, rounds []Span, span func(call) Span) bool {
	for _, c := range calls {
		if !touchesAccount(c.in) {
			continue
		}
		cs := span(c)
		for _, r := range rounds {
			if overlap(cs.Start, cs.End, r.Start, r.End) {
				return true
			}
		}
	}
	return false
}

// overlap: two stretches of time share a moment.
func overlap(s1, e1, s2, e2 int64) bool { return s1 < e2 && s2 < e1 }

// nested: b started and ended while a ran.
func nested(a, b call) bool { return a.start < b.start && b.end < a.end }

// callsOf pairs h's invokes with their completions.
func callsOf(h *histories.History) []call {
	var out []call
	open := map[int]int{}
	for _, e := range h.Events {
		if e.Type == histories.Invoke && e.Input != nil {
			open[e.Client] = len(out)
			out = append(out, call{client: e.Client, world: e.World, in: *e.Input, start: e.Time, end: math.MaxInt64})
			continue
		}
		if i, ok := open[e.Client]; ok {
			out[i].end = e.Time
			delete(open, e.Client)
		}
	}
	return out
}

// parseTranscript reads an engine transcript's step lines ("   7  c1: SQL"):
// the role that ran each step, and the background worker's rounds — from
// its BEGIN to its COMMIT or ROLLBACK, in steps.
func parseTranscript(lines []string) (map[int64]string, []Span) {
	steps := map[int64]string{}
	var rounds []Span
	open := int64(-1)
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue
		}
		k, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || !strings.HasSuffix(fields[1], ":") {
			continue
		}
		role := strings.TrimSuffix(fields[1], ":")
		steps[k] = role
		if role != "worker" {
			continue
		}
		switch verb := strings.ToLower(fields[2]); {
		case verb == "begin" || verb == "start":
			open = k
		case (verb == "commit" || verb == "rollback" || verb == "end") && open >= 0:
			rounds = append(rounds, Span{open, k})
			open = -1
		}
	}
	return steps, rounds
}
