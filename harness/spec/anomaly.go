package spec

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// matcher tries the serial orders of one outcome's committed transactions
// and remembers, for each transaction, the orders in which its steps give
// the outputs they gave concurrently — which is how the anomaly is named
// when no order fits everything.
type matcher struct {
	o         *Oracle
	obs       *Observation
	committed []*Txn
	orders    [][]*Txn
	fits      map[*Txn][]int // the orders (indexes) in which the transaction's results are the same
	finalFits []int          // the orders that leave the same final state
	blocked   int            // orders that cannot run serially
}

// search runs serial orders until one gives every committed transaction's
// results and the final state; nil if none does (then every order ran).
func (m *matcher) search(ctx context.Context) ([]*Txn, error) {
	m.fits = map[*Txn][]int{}
	serialIndex := m.serialIndexes()
	var found []*Txn
	var err error
	m.permute(func(order []*Txn) bool {
		ser, e := m.o.run(ctx, m.obs, order)
		if e != nil {
			err = e
			return false
		}
		idx := len(m.orders)
		m.orders = append(m.orders, slices.Clone(order))
		if ser == nil {
			m.blocked++
			return true // an order that cannot run serially fits nothing
		}
		all := true
		for _, t := range order {
			if m.same(t, ser, serialIndex) {
				m.fits[t] = append(m.fits[t], idx)
			} else {
				all = false
			}
		}
		final := ser.Final == m.obs.Final
		if final {
			m.finalFits = append(m.finalFits, idx)
		}
		if all && final {
			found = slices.Clone(order)
			return false
		}
		return true
	})
	return found, err
}

// serialIndexes maps each step of a committed transaction to its index in
// a serial run, where its session runs only its committed transactions.
func (m *matcher) serialIndexes() map[[2]int]int {
	idx := map[[2]int]int{}
	next := make([]int, len(m.obs.Steps))
	for _, t := range m.committed { // in session order, then transaction order
		for _, k := range t.Steps {
			idx[[2]int{t.Session, k}] = next[t.Session]
			next[t.Session]++
		}
	}
	return idx
}

// same reports whether every step of t printed the same in the serial run.
func (m *matcher) same(t *Txn, ser *Observation, serialIndex map[[2]int]int) bool {
	for _, k := range t.Steps {
		j := serialIndex[[2]int{t.Session, k}]
		if j >= len(ser.Steps[t.Session]) || ser.Steps[t.Session][j].Output != m.obs.Steps[t.Session][k].Output {
			return false
		}
	}
	return true
}

// permute calls yield with every order of the committed transactions that
// keeps each session's own in order, until yield returns false.
func (m *matcher) permute(yield func([]*Txn) bool) {
	used := make([]bool, len(m.committed))
	order := make([]*Txn, 0, len(m.committed))
	var rec func() bool
	rec = func() bool {
		if len(order) == len(m.committed) {
			return yield(order)
		}
		for i, t := range m.committed {
			if used[i] || slices.ContainsFunc(m.committed[:i], func(e *Txn) bool { return e.Session == t.Session && !slices.Contains(order, e) }) {
				continue
			}
			used[i] = true
			order = append(order, t)
			ok := rec()
			order = order[:len(order)-1]
			used[i] = false
			if !ok {
				return false
			}
		}
		return true
	}
	rec()
}

// before reports whether every order in which a's results fit runs a
// before b (and there is such an order): a did not see b.
func (m *matcher) before(a, b *Txn) bool {
	if len(m.fits[a]) == 0 {
		return false
	}
	for _, idx := range m.fits[a] {
		if slices.Index(m.orders[idx], a) > slices.Index(m.orders[idx], b) {
			return false
		}
	}
	return true
}

// name names the anomaly of an outcome no serial order gives. Two writers
// each of which ran as if the other had not: a lost update if both changed
// a row of the state they started from, write skew otherwise. A
// transaction that only read, without which the others are serializable: a
// read-only anomaly.
func (m *matcher) name(ctx context.Context, v *Verdict) error {
	for i, a := range m.committed {
		for _, b := range m.committed[i+1:] {
			if a.Session == b.Session || !a.Wrote || !b.Wrote || !m.before(a, b) || !m.before(b, a) {
				continue
			}
			common, err := m.bothChanged(ctx, a, b)
			if err != nil {
				return err
			}
			each := fmt.Sprintf("%s and %s each ran as if the other had not run (%s's results fit only serial orders with %s first, %s's only orders with %s first)",
				a.Label, b.Label, a.Label, a.Label, b.Label, b.Label)
			if len(common) > 0 {
				v.Anomaly = "lost update"
				v.Explanation = fmt.Sprintf("%s, and both changed the same row (%s): one change overwrote the other", each, strings.Join(common, "; "))
			} else {
				v.Anomaly = "write skew"
				v.Explanation = fmt.Sprintf("%s, and they changed different rows: no change overwrote the other, but each was decided on a state the other's change made stale", each)
			}
			return nil
		}
	}
	for _, r := range m.committed {
		if r.Wrote || len(m.committed) < 3 {
			continue
		}
		for idx, order := range m.orders {
			if m.fitsAllBut(idx, r) {
				var others []*Txn
				for _, t := range order {
					if t != r {
						others = append(others, t)
					}
				}
				v.Anomaly = "read-only anomaly"
				v.Explanation = fmt.Sprintf("without %s, which only read, the others are serializable (as %s); %s saw a state no serial order of them has (%s)",
					r.Label, labels(others), r.Label, m.fitText(r))
				return nil
			}
		}
	}
	var parts []string
	for _, t := range m.committed {
		parts = append(parts, t.Label+": "+m.fitText(t))
	}
	if len(m.finalFits) == 0 {
		parts = append(parts, "the final state: no serial order leaves it")
	}
	v.Explanation = "no serial order gives every result and the final state — " + strings.Join(parts, "; ")
	return nil
}

// fitsAllBut reports an order in which every committed transaction but r
// gives its results, and the final state is the same.
func (m *matcher) fitsAllBut(idx int, r *Txn) bool {
	if !slices.Contains(m.finalFits, idx) {
		return false
	}
	for _, t := range m.committed {
		if t != r && !slices.Contains(m.fits[t], idx) {
			return false
		}
	}
	return true
}

// fitText lists the serial orders in which t's results are the same.
func (m *matcher) fitText(t *Txn) string {
	if len(m.fits[t]) == 0 {
		return "its results fit no serial order"
	}
	var orders []string
	for _, idx := range m.fits[t] {
		orders = append(orders, labels(m.orders[idx]))
	}
	return "its results fit only the orders " + strings.Join(orders, " | ")
}

// bothChanged lists the rows of the state before any transaction that a
// and b each change when run alone.
func (m *matcher) bothChanged(ctx context.Context, a, b *Txn) ([]string, error) {
	initial, err := m.o.run(ctx, m.obs, nil)
	if err != nil || initial == nil {
		return nil, err
	}
	changed := func(t *Txn) (map[string]bool, error) {
		alone, err := m.o.run(ctx, m.obs, []*Txn{t})
		if err != nil || alone == nil {
			return nil, err
		}
		out := map[string]bool{}
		for _, row := range initial.FinalRows {
			if !slices.Contains(alone.FinalRows, row) {
				out[row] = true
			}
		}
		return out, nil
	}
	ca, err := changed(a)
	if err != nil {
		return nil, err
	}
	cb, err := changed(b)
	if err != nil {
		return nil, err
	}
	var common []string
	for _, row := range initial.FinalRows {
		if ca[row] && cb[row] {
			common = append(common, row)
		}
	}
	return common, nil
}
