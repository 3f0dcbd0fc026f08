package mutate

import (
	"fmt"
	"regexp"
	"strings"
)

// The operators that rewrite a statement's text. Each finds its sites in a
// statement, in order of position, and rewrites exactly one of them.

// Operator names, as reports print them.
const (
	DropLock         = "drop-lock"         // a FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE clause
	LowerIsolation   = "lower-isolation"   // SERIALIZABLE → REPEATABLE READ → READ COMMITTED
	SplitTransaction = "split-transaction" // the transaction's statements in autocommit
	DropGuard        = "drop-guard"        // a conjunct: <expr> >= $n, [NOT] EXISTS (…)
	DropOnConflict   = "drop-on-conflict"  // an ON CONFLICT … DO … clause
	DropUnique       = "drop-unique"       // a unique index or primary key of the schema
)

// edit replaces text[start:end] with repl.
type edit struct {
	start, end int
	repl       string
}

func (e edit) apply(text string) string { return text[:e.start] + e.repl + text[e.end:] }

// textOperators are the operators that find sites in a statement's text.
var textOperators = []struct {
	name  string
	sites func(sql string) []edit
}{
	{DropLock, lockSites},
	{DropGuard, guardSites},
	{DropOnConflict, onConflictSites},
}

var lockClause = regexp.MustCompile(`(?i)\s+FOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)(?:\s+OF\s+[\w.]+(?:\s*,\s*[\w.]+)*)?(?:\s+(?:NOWAIT|SKIP\s+LOCKED))?\b`)

// lockSites are the row-locking clauses, each removed whole.
func lockSites(sql string) []edit {
	var out []edit
	for _, m := range lockClause.FindAllStringIndex(sql, -1) {
		out = append(out, edit{m[0], m[1], ""})
	}
	return out
}

var (
	conjunction = regexp.MustCompile(`(?i)\b(AND|WHERE)\s+`)
	existsStart = regexp.MustCompile(`(?i)^(?:NOT\s+)?EXISTS\s*\(`)
	operandWord = regexp.MustCompile(`^[\w.]+`)
	boundParam  = regexp.MustCompile(`(?i)^\s*(?:>=|<=|>|<)\s*\$\d+(?:::\w+)?`)
	andNext     = regexp.MustCompile(`(?i)^\s+AND\s+`)
	param       = regexp.MustCompile(`\$\d+`)
)

// guardSites are the conjuncts that guard a write or a read: a bound on a
// parameter (balance >= $4, (SELECT sum(…)) >= $4) or an [NOT] EXISTS
// (subquery). A conjunct after AND goes with its AND; the first conjunct
// of a WHERE takes the next AND with it, or the WHERE when it is alone.
func guardSites(sql string) []edit {
	var out []edit
	for _, m := range conjunction.FindAllStringSubmatchIndex(sql, -1) {
		predStart := m[1]
		end := guardEnd(sql, predStart)
		if end < 0 {
			continue
		}
		e := edit{start: m[0], end: end}
		if strings.EqualFold(sql[m[2]:m[3]], "AND") {
			e.start = trimSpaceBefore(sql, m[0])
		} else if next := andNext.FindStringIndex(sql[end:]); next != nil {
			e = edit{start: predStart, end: end + next[1]}
		} else {
			e.start = trimSpaceBefore(sql, m[0])
		}
		// A parameter only the guard used would have no type left: the
		// guard stays, made true, instead.
		if lost(sql, e) {
			e = edit{start: predStart, end: end, repl: "(" + sql[predStart:end] + " OR TRUE)"}
		}
		out = append(out, e)
	}
	return out
}

// guardEnd is where the guard predicate starting at i ends, or -1 when the
// predicate there is not a guard.
func guardEnd(sql string, i int) int {
	rest := sql[i:]
	if m := existsStart.FindStringIndex(rest); m != nil {
		return closing(sql, i+m[1]-1)
	}
	var operandEnd int
	switch {
	case strings.HasPrefix(rest, "("):
		operandEnd = closing(sql, i)
	case operandWord.MatchString(rest):
		operandEnd = i + len(operandWord.FindString(rest))
	}
	if operandEnd <= 0 {
		return -1
	}
	b := boundParam.FindStringIndex(sql[operandEnd:])
	if b == nil {
		return -1
	}
	return operandEnd + b[1]
}

// closing is the index just past the parenthesis that closes the one at
// open, or -1.
func closing(sql string, open int) int {
	depth := 0
	for i := open; i < len(sql); i++ {
		switch sql[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

func trimSpaceBefore(s string, i int) int {
	for i > 0 && strings.ContainsRune(" \t\n", rune(s[i-1])) {
		i--
	}
	return i
}

// lost reports whether applying e removes every use of some parameter.
func lost(sql string, e edit) bool {
	after := e.apply(sql)
	for _, p := range param.FindAllString(sql[e.start:e.end], -1) {
		if !regexp.MustCompile(regexp.QuoteMeta(p) + `\b`).MatchString(after) {
			return true
		}
	}
	return false
}

var onConflict = regexp.MustCompile(`(?i)\s+ON\s+CONFLICT\b`)

// onConflictSites are the ON CONFLICT clauses, each removed up to the end
// of its statement, a RETURNING, or the parenthesis around it.
func onConflictSites(sql string) []edit {
	var out []edit
	for _, m := range onConflict.FindAllStringIndex(sql, -1) {
		end, depth := m[1], 0
	scan:
		for ; end < len(sql); end++ {
			switch c := sql[end]; {
			case c == '(':
				depth++
			case c == ')' && depth == 0, c == ';' && depth == 0:
				break scan
			case c == ')':
				depth--
			case depth == 0 && len(sql)-end >= 9 && strings.EqualFold(sql[end:end+9], "RETURNING") && end > 0 && !isWord(sql[end-1]):
				break scan
			}
		}
		out = append(out, edit{m[0], trimSpaceBefore(sql, end), ""})
	}
	return out
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var (
	uniqueIndex = regexp.MustCompile(`(?i)CREATE\s+UNIQUE\s+INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	createTable = regexp.MustCompile(`(?i)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(`)
	primaryKey  = regexp.MustCompile(`(?i)\bPRIMARY\s+KEY\b`)
)

// uniqueSites are the schema's unique indexes and primary keys, as the DDL
// that drops each one (a primary key other tables reference takes their
// foreign keys with it: CASCADE).
func uniqueSites(ddl string) (names, drops []string) {
	for _, m := range uniqueIndex.FindAllStringSubmatch(ddl, -1) {
		names, drops = append(names, "unique index "+m[1]), append(drops, fmt.Sprintf("DROP INDEX %s;", m[1]))
	}
	for _, m := range createTable.FindAllStringSubmatchIndex(ddl, -1) {
		table := ddl[m[2]:m[3]]
		end := closing(ddl, m[1]-1)
		if end > 0 && primaryKey.MatchString(ddl[m[1]:end]) {
			names = append(names, "primary key of "+table)
			drops = append(drops, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s_pkey CASCADE;", table, table))
		}
	}
	return names, drops
}
