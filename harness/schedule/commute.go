package schedule

import (
	"strings"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/protocol"
)

// Commute implements interleave.Commuter for the protocol's own SQL — and
// only for it: the variants' statements are known, none calls a function
// that writes. Two plain reads commute (a SELECT without a locking clause
// writes nothing and waits for nothing), and so do a plain read and a
// SELECT … FOR UPDATE, which locks rows but changes nothing a read can
// see, and does not wait for a read. TestReductionsAreSound checks that
// exploring with these rules finds every outcome exploring without them
// does. An application's SQL (a Driver's) is not known: nothing commutes.
func (p *program) Commute(a, b interleave.Statement) bool {
	if p.e.driver != nil {
		return false
	}
	return isRead(a.SQL) && (isRead(b.SQL) || isLockOnly(b.SQL)) || isLockOnly(a.SQL) && isRead(b.SQL)
}

// isLockOnly reports a SELECT … FOR UPDATE: a statement that only locks.
func isLockOnly(sql string) bool {
	upper := strings.ToUpper(strings.TrimSpace(sql))
	return strings.HasPrefix(upper, "SELECT") && strings.Contains(upper, " FOR UPDATE") && !strings.Contains(upper, "PG_ADVISORY")
}

func isRead(sql string) bool {
	upper := strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(sql), protocol.PollMarker))
	return strings.HasPrefix(upper, "SELECT") && !strings.Contains(upper, " FOR UPDATE") && !strings.Contains(upper, " FOR SHARE") &&
		!strings.Contains(upper, " FOR NO KEY") && !strings.Contains(upper, " FOR KEY") && !strings.Contains(upper, "PG_ADVISORY")
}
