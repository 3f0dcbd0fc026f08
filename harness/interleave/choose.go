package interleave

import (
	"fmt"
	"slices"
	"strings"
)

// choose picks the session to grant among the enabled ones, or AuditorID.
// With reductions on, a step that commutes with every step (invisible) is
// granted at once, without a choice.
func (s *scheduler) choose(enabled []int) int {
	if s.tuning.Reduce {
		if slices.Contains(enabled, s.current) && s.invisible(s.current) {
			return s.current
		}
		for _, c := range enabled {
			if s.invisible(c) {
				return c
			}
		}
	}
	p := s.point(enabled)
	if s.mayAudit() {
		p.Options = append(p.Options, AuditorID)
	}
	for k := range s.faultsOffered() {
		p.Options = append(p.Options, FaultID(k))
	}
	if len(p.Options) == 1 {
		s.current = p.Options[0]
		return s.current
	}
	p.Redundant, p.Parked = make([]bool, len(p.Options)), make([]bool, len(p.Options))
	if s.tuning.Reduce {
		seen := map[string]bool{}
		for i, c := range p.Options {
			if key, ok := s.symmetryKey(c); ok {
				p.Redundant[i] = seen[key]
				seen[key] = true
			}
			p.Parked[i] = c >= 0 && s.parked[c]
		}
	}
	choice := s.chooser.Choose(p)
	picked := p.Options[choice]
	if c, ok := s.prog.(Commuter); ok && s.tuning.Reduce && picked >= 0 {
		// A depth-first explorer has run every awake option before this
		// one: those that commute with it go to sleep.
		for i, o := range p.Options[:choice] {
			if o >= 0 && !p.Redundant[i] && !p.Parked[i] && c.Commute(s.next[o].stmt, s.next[picked].stmt) {
				s.parked[o] = true
			}
		}
	}
	s.res.Points = append(s.res.Points, p)
	s.res.Choices = append(s.res.Choices, choice)
	s.st.choose(choice)
	if picked >= 0 {
		s.current = picked
	}
	return picked
}

// faultsOffered are the faults that may be injected here: the run's, while
// the schedule has faults left and the last choice was not one.
func (s *scheduler) faultsOffered() []string {
	f, ok := s.run.(Faulter)
	if !ok || s.faults >= s.tuning.Faults || s.faulted {
		return nil
	}
	s.offered = f.Faults()
	return s.offered
}

// point is the choice among the enabled sessions: the current session
// first, then the others in cyclic order after it.
func (s *scheduler) point(enabled []int) Point {
	p := Point{Step: int(s.st.step.Load()), CurrentEnabled: slices.Contains(enabled, s.current)}
	start := 0
	for i, c := range enabled {
		if c > s.current {
			start = i
			break
		}
	}
	if p.CurrentEnabled {
		start = slices.Index(enabled, s.current)
	}
	p.Options = append(slices.Clone(enabled[start:]), enabled[:start]...)
	for i, st := range s.status {
		if st == blocked || st == inStatement {
			p.InFlight = append(p.InFlight, i)
		}
	}
	return p
}

// direct asks a Director for the next grant: a session id, or Wait.
func (s *scheduler) direct(d Director, enabled []int) (int, error) {
	p := s.point(enabled)
	p.Redundant, p.Parked = make([]bool, len(p.Options)), make([]bool, len(p.Options))
	choice := d.Direct(p)
	if choice == Wait {
		if len(p.InFlight) == 0 {
			return 0, fmt.Errorf("%w: the director waits, and no statement is in flight", ErrStuck)
		}
		return Wait, nil
	}
	if choice < 0 || choice >= len(p.Options) {
		return 0, fmt.Errorf("%w: the director chose option %d of %d", ErrInternal, choice, len(p.Options))
	}
	s.res.Points = append(s.res.Points, p)
	s.res.Choices = append(s.res.Choices, choice)
	s.st.choose(choice)
	s.current = p.Options[choice]
	return s.current, nil
}

// mayAudit reports whether an audit is a choice here: the run has an
// auditor with audits left, the last choice was not one (nothing changed
// since), and some foreground session is in the middle of an operation —
// only there can an audit see what a final one cannot.
func (s *scheduler) mayAudit() bool {
	if _, ok := s.run.(Auditor); !ok || s.audits >= s.tuning.Audits || s.audited {
		return false
	}
	for i, r := range s.roles {
		if !r.Background && s.inOp[i] && (s.sinceAttempt[i] > 0 || s.restarts[i] > 0) {
			return true
		}
	}
	return false
}

// symmetryKey is what makes two sessions interchangeable: both between
// attempts, and the program's key equal. The auditor and background
// sessions never are.
func (s *scheduler) symmetryKey(c int) (string, bool) {
	sym, ok := s.run.(Symmetric)
	if !ok || c < 0 || s.roles[c].Background || s.sinceAttempt[c] != 0 {
		return "", false
	}
	key, ok := sym.SymmetryKey(c)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%s|%d", key, s.restarts[c]), true
}

// invisible reports a step at session c's gate that no other session can
// tell from not having happened, and that nothing another session does can
// change: a bare BEGIN (it takes no snapshot and no lock), or the end of a
// transaction an error already aborted — the server reported the session
// in a failed transaction ('E'), and released its locks, predicate locks
// included, and its snapshot at the error, so the ROLLBACK (or the COMMIT,
// which is one there) only tidies the session's own state. Both commute
// with every step.
func (s *scheduler) invisible(c int) bool {
	sql := s.next[c].stmt.SQL
	return isBareBegin(sql) || s.tx[c] == 'E' && isBareEnd(sql)
}

// isBareEnd reports a statement that only ends a transaction: ROLLBACK,
// ABORT, COMMIT or END with nothing after it — not ROLLBACK TO SAVEPOINT,
// not AND CHAIN, which starts the next transaction at once.
func isBareEnd(sql string) bool {
	t, ok := bare(sql)
	if !ok {
		return false
	}
	t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
	for _, verb := range []string{"rollback", "abort", "commit", "end"} {
		if t == verb || t == verb+" work" || t == verb+" transaction" {
			return true
		}
	}
	return false
}

// bare is a statement's text without surrounding blanks and a final
// semicolon, when it is a single statement without quotes or comments.
func bare(sql string) (string, bool) {
	t := strings.TrimSpace(sql)
	t = strings.TrimSpace(strings.TrimSuffix(t, ";"))
	if strings.ContainsAny(t, ";'\"$") || strings.Contains(t, "--") || strings.Contains(t, "/*") {
		return "", false
	}
	return t, true
}

// isBareBegin reports a statement that only starts a transaction: BEGIN or
// START TRANSACTION, with its modes, and nothing after it.
func isBareBegin(sql string) bool {
	t, ok := bare(sql)
	return ok && (startsWithWord(t, "begin") || startsWithWord(t, "start transaction"))
}

func startsWithWord(s, word string) bool {
	return startsWithFold(s, word) && (len(s) == len(word) || s[len(word)] == ' ' || s[len(word)] == '\n' || s[len(word)] == '\t')
}

func startsWithFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
