package interleave

// External runs one step of an External session: a statement whose I/O
// the program does itself, on a connection the engine did not open — an
// application's statement held by a wire-protocol relay, say. The step
// waits at the gate with stmt (as its transcript line and for the
// program's Commuter) until the engine grants it; then run sends it and
// returns once the server has answered it: the command tag, the
// transaction status before and after ('I', 'T' or 'E', as ReadyForQuery
// reports it) and the statement's error. Its end is reported as every
// other step's is, so blocked detection, deadlock handling, transcripts
// and replay treat it like a statement on the engine's own connections.
//
// pid is the backend process that runs the statement: the engine asks the
// server whether it is blocked, and reads its lock waits in the WaitLog.
// It may change from one step to the next (a pooled application). For the
// WaitLog's certainty the backend runs with the settings SessionParams
// names.
//
// A schedule abandoned while the step waits at the gate (an error, a
// cancelled context) releases it without a grant, and run is called all
// the same, as Raw's is: a statement the program holds for someone else
// (a relay's client) is never left waiting; the abandoned schedule
// records nothing of it.
func (s *Session) External(stmt Statement, pid uint32, run func() (tag string, txBefore, txAfter byte, err error)) error {
	if pid != s.conn.pid {
		// A new connection object, not a write to the shared one: the
		// scheduler reads pids between steps.
		c := &conn{pid: pid, gate: s.conn.gate}
		s.st.send(event{session: s.id, kind: evReconnect, conn: c})
		s.conn = c
	}
	return s.step(stmt, run)
}

// step runs one statement whose end run reports: it waits for its grant,
// runs, and reports the end.
func (s *Session) step(stmt Statement, run func() (tag string, txBefore, txAfter byte, err error)) error {
	s.st.arrive(s, stmt, "")
	tag, before, after, err := run()
	s.end(tag, before, after, err)
	return err
}

// end reports the end of the session's step in flight: the one report
// every kind of step (pgx's tracer, Raw, External, Step) makes.
func (s *Session) end(tag string, txBefore, txAfter byte, err error) {
	s.st.send(event{session: s.id, kind: evEnd, err: err, tag: tag, txBefore: txBefore, tx: txAfter})
}
