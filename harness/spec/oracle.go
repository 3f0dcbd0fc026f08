package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// Oracle decides whether an outcome is serializable: whether some serial
// order of its committed transactions, each run alone in that order on a
// fresh setup, gives every one of their steps the same output and leaves
// the same final state. It runs the serial orders on a runner of its own
// and remembers each one's run, and each outcome's verdict.
type Oracle struct {
	runner   *Runner
	spec     *Spec
	final    *finalState
	serial   map[string]*Observation // by the serial permutation
	verdicts map[string]*Verdict     // by outcome key
	// SerialRuns counts the serial orders run.
	SerialRuns int
}

// MaxTransactions bounds the committed transactions an outcome may have for
// the oracle to try every serial order (7! = 5,040 orders).
const MaxTransactions = 7

// NewOracle opens an oracle for sp on server, with the runner options of
// the runs it judges; finalQuery, if set, is what reads the final state.
func NewOracle(ctx context.Context, server *postgres.Server, sp *Spec, opts Options, finalQuery string) (*Oracle, error) {
	r, err := NewRunner(ctx, server, opts)
	if err != nil {
		return nil, err
	}
	return &Oracle{runner: r, spec: sp, final: &finalState{Query: finalQuery},
		serial: map[string]*Observation{}, verdicts: map[string]*Verdict{}}, nil
}

// Close closes the oracle's connections.
func (o *Oracle) Close() { o.runner.Close() }

// VerdictStatus is what the oracle concluded.
type VerdictStatus int

const (
	// Serializable: a serial order gives the same results.
	Serializable VerdictStatus = iota
	// NotSerializable: no serial order does — a violation.
	NotSerializable
	// Unchecked: the oracle cannot judge this outcome (Reason says why).
	Unchecked
)

// Verdict is the oracle's judgement of one outcome.
type Verdict struct {
	Status       VerdictStatus
	Reason       string // Unchecked: why
	Transactions []*Txn // every transaction of the outcome, committed or not
	Order        []*Txn // Serializable: a serial order that gives the same results
	Anomaly      string // NotSerializable: "write skew", "lost update", "read-only anomaly", or ""
	Explanation  string // NotSerializable: why no serial order fits
}

// Violated reports a serializability violation.
func (v *Verdict) Violated() bool { return v != nil && v.Status == NotSerializable }

// Summary is the verdict in a line.
func (v *Verdict) Summary() string {
	var failed []*Txn
	for _, t := range v.Transactions {
		if !t.Committed {
			failed = append(failed, t)
		}
	}
	switch v.Status {
	case Serializable:
		s := "serializable: the same results as the serial order " + labels(v.Order)
		if len(v.Order) == 0 {
			s = "serializable (no transaction committed)"
		}
		if len(failed) > 0 && len(v.Order) > 0 {
			s += fmt.Sprintf(" (%s did not commit)", labels(failed))
		}
		return s
	case Unchecked:
		return "not checked: " + v.Reason
	}
	if v.Anomaly != "" {
		return "NOT SERIALIZABLE (" + v.Anomaly + "): " + v.Explanation
	}
	return "NOT SERIALIZABLE: " + v.Explanation
}

// Txn is one transaction of an outcome: consecutive steps of one session
// from the start of a transaction to its end.
type Txn struct {
	Label     string // the session's name, with ".2" for its second transaction
	Session   int
	Steps     []int // indexes into Observation.Steps[Session]
	Committed bool
	Wrote     bool
}

func labels(ts []*Txn) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Label
	}
	return strings.Join(names, ", ")
}

// Check judges an outcome.
func (o *Oracle) Check(ctx context.Context, obs *Observation) (*Verdict, error) {
	key := obs.Key()
	if v, ok := o.verdicts[key]; ok {
		return v, nil
	}
	v, err := o.check(ctx, obs)
	if err != nil {
		return nil, err
	}
	o.verdicts[key] = v
	return v, nil
}

func (o *Oracle) check(ctx context.Context, obs *Observation) (*Verdict, error) {
	txns, reason := transactions(obs)
	v := &Verdict{Transactions: txns}
	if reason != "" {
		v.Status, v.Reason = Unchecked, reason
		return v, nil
	}
	var committed []*Txn
	for _, t := range txns {
		if t.Committed {
			committed = append(committed, t)
		}
	}
	if len(committed) > MaxTransactions {
		v.Status, v.Reason = Unchecked, fmt.Sprintf("%d transactions committed; the oracle tries every serial order of at most %d", len(committed), MaxTransactions)
		return v, nil
	}
	m := &matcher{o: o, obs: obs, committed: committed}
	found, err := m.search(ctx)
	if err != nil {
		return nil, err
	}
	if found != nil {
		v.Status, v.Order = Serializable, found
		return v, nil
	}
	if m.blocked == len(m.orders) {
		v.Status, v.Reason = Unchecked, "in every serial order a step waits for a lock that no transaction holds (a session-level lock, or one a session's setup took): no order runs serially"
		return v, nil
	}
	v.Status = NotSerializable
	if err := m.name(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// transactions cuts each session's steps into transactions, by the
// transaction status each step left: a transaction ends at the step after
// which the session is outside one again. A transaction still open after
// the session's last step cannot be judged (it ends in a teardown, or
// never), nor can a committed transaction after a failed one that the
// session's setup began (replayed alone, it would run inside the setup's
// transaction).
func transactions(obs *Observation) ([]*Txn, string) {
	var txns []*Txn
	for s, steps := range obs.Steps {
		var cur *Txn
		n, failedInSetup := 0, false
		for k, st := range steps {
			if cur == nil {
				n++
				cur = &Txn{Label: obs.Sessions[s], Session: s}
				if n > 1 {
					cur.Label = fmt.Sprintf("%s.%d", obs.Sessions[s], n)
				}
			}
			cur.Steps = append(cur.Steps, k)
			cur.Wrote = cur.Wrote || st.Wrote
			if st.TxAfter == 'I' {
				cur.Committed = st.Commit
				if cur.Committed && failedInSetup {
					return nil, fmt.Sprintf("transaction %s follows a failed one that its session's setup began: replayed alone, it would run inside the setup's transaction", cur.Label)
				}
				failedInSetup = failedInSetup || !cur.Committed && steps[cur.Steps[0]].TxBefore != 'I'
				txns = append(txns, cur)
				cur = nil
			}
		}
		if cur != nil {
			if steps[len(steps)-1].TxAfter != 'E' {
				return nil, fmt.Sprintf("session %s's transaction is still open after its last step: the oracle reorders whole transactions, so each must commit or roll back in a step", obs.Sessions[s])
			}
			txns = append(txns, cur) // failed; its session's teardown ends it
		}
	}
	return txns, ""
}

// run runs the committed transactions ts alone, in that order, on a fresh
// setup, remembering the run; nil when a step of the order waits for a lock
// (held outside the transactions: the order cannot run serially).
func (o *Oracle) run(ctx context.Context, obs *Observation, ts []*Txn) (*Observation, error) {
	perm := &Permutation{}
	for _, t := range ts {
		for _, k := range t.Steps {
			st := obs.Steps[t.Session][k].Step
			perm.Steps = append(perm.Steps, &PermStep{Name: st.Name, Step: st})
		}
	}
	text := perm.String()
	if got, ok := o.serial[text]; ok {
		return got, nil
	}
	res, err := o.runner.permutation(ctx, o.spec, perm, o.final, true)
	o.SerialRuns++
	if errors.Is(err, ErrBlockedSerially) {
		o.serial[text] = nil // this order cannot run serially
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("running the serial order %s: %w", labels(ts), err)
	}
	o.serial[text] = res.Obs
	return res.Obs, nil
}
