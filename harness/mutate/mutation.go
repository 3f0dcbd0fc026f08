package mutate

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
)

// Mutation is one operator applied at one site of a variant: a mutant.
type Mutation struct {
	// Index is the mutation's place in its variant's enumeration, the same
	// in every process (what --shard splits).
	Index    int    `json:"index"`
	Variant  string `json:"variant"`  // the variant mutated
	Operator string `json:"operator"` // DropLock, LowerIsolation, …
	// Op is where: an operation's calls (join, leave, deposit, transfer,
	// balance, members), the background worker's rounds, every session
	// (session), or the schema (schema).
	Op string `json:"op"`
	// Site is the statement, transaction or DDL as the variant has it;
	// Mutated is what the mutant has instead.
	Site    string `json:"site"`
	Mutated string `json:"mutated"`

	kind  kind
	level pgx.TxIsoLevel // LowerIsolation: the level the transaction gets
}

// kind is what a mutation rewrites.
type kind int

const (
	statement   kind = iota // one statement's text, in one operation
	transaction             // one operation's transaction: its BEGIN
	session                 // the sessions' default isolation level
	schema                  // the DDL the variant installs
)

// Name is the mutant's variant name (and so its schema's): the variant's,
// then m and the index.
func (m Mutation) Name() string { return fmt.Sprintf("%s-m%d", m.Variant, m.Index) }

// String is one line: the mutant, the operator, where, and the change.
func (m Mutation) String() string {
	return fmt.Sprintf("%s: %s in %s: %s", m.Name(), m.Operator, m.Op, m.Change())
}

// Change says what the mutation changes: for a statement, the text it
// removes or replaces (with the statement's start, to find it by).
func (m Mutation) Change() string {
	switch m.kind {
	case statement:
		a, b := oneLine(m.Site), oneLine(m.Mutated)
		p := 0
		for p < len(a) && p < len(b) && a[p] == b[p] {
			p++
		}
		q := 0
		for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
			q++
		}
		head := a
		if len(head) > 40 {
			head = head[:40] + "…"
		}
		removed, added := strings.TrimSpace(a[p:len(a)-q]), strings.TrimSpace(b[p:len(b)-q])
		if added == "" {
			return fmt.Sprintf("removes %q from %q", removed, head)
		}
		return fmt.Sprintf("%q ⟶ %q in %q", removed, added, head)
	case schema:
		if m.Operator == DropUnique {
			return "drops the " + m.Site
		}
		return "removes the ON CONFLICT clause of the variant's DDL"
	}
	return oneLine(m.Site) + " ⟶ " + oneLine(m.Mutated)
}

// oneLine collapses a statement's whitespace, for a report's line.
func oneLine(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return strings.Join(strings.Fields(s), " ")
}

// Mutant is base with m applied.
func Mutant(base protocol.Variant, m Mutation) protocol.Variant {
	info := base.Info()
	info.Name = m.Name()
	info.Summary = "MUTANT of " + m.Variant + ": " + m.Operator + " in " + m.Op
	v := &variant{base: base, info: info, ddl: base.Schema(), session: sessionSettings(base)}
	switch m.kind {
	case session:
		v.session["default_transaction_isolation"] = string(m.level)
	case schema:
		v.ddl = m.Mutated
	}
	v.rewriter = func(op string) protocol.Rewriter {
		if op != m.Op {
			return rewriter{}
		}
		return rewriter{m: &m}
	}
	return wrap(v)
}

// rewriter applies a mutation (m nil: none) and holds every transaction at
// one level (force "": as the variant says).
type rewriter struct {
	m     *Mutation
	force pgx.TxIsoLevel
}

func (r rewriter) Statement(sql string) string {
	if r.m != nil && r.m.kind == statement && sql == r.m.Site {
		return r.m.Mutated
	}
	return sql
}

func (r rewriter) Transaction(opts pgx.TxOptions) (bool, pgx.TxOptions) {
	if r.force != "" {
		opts.IsoLevel = r.force
	}
	if r.m == nil || r.m.kind != transaction {
		return true, opts
	}
	if r.m.Operator == SplitTransaction {
		return false, opts
	}
	opts.IsoLevel = r.m.level
	return true, opts
}

// lower is the level one step below l, or "" below READ COMMITTED (READ
// UNCOMMITTED is READ COMMITTED in PostgreSQL).
func lower(l pgx.TxIsoLevel) pgx.TxIsoLevel {
	switch l {
	case pgx.Serializable:
		return pgx.RepeatableRead
	case pgx.RepeatableRead:
		return pgx.ReadCommitted
	}
	return ""
}

// begin is the BEGIN a transaction at level l amounts to.
func begin(l pgx.TxIsoLevel) string { return "BEGIN ISOLATION LEVEL " + strings.ToUpper(string(l)) }
