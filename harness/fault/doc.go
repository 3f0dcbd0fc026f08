// Package fault injects faults into the system under test, one fault per
// type behind one small interface, as etcd's robustness failpoints are:
//
//   - crash: every process of the embedded cluster SIGKILLed at once, then
//     the cluster restarted on the same data directory;
//   - kill: one session's backend terminated (pg_terminate_backend);
//   - cancel: one session's running statement cancelled (pg_cancel_backend);
//   - lose-reply: one session's request reaches the server and is acted on,
//     and its reply is read and dropped before the client sees it — the
//     indeterminate commit;
//   - pause: every process of the embedded cluster stopped (SIGSTOP) for a
//     while, then resumed (SIGCONT), so that calls time out.
//
// A Fault says whether it hits the whole server or one session, whether it
// can be injected on a setup (crash and pause need the embedded cluster;
// lose-reply a connection it can read, without TLS), and injects itself,
// returning once it is over. Lose-reply works through Link, a wrapper around
// a session's network connection that Dial installs in a pgx configuration.
//
// A fault leaves nothing behind: a crashed server is restarted before
// Inject returns, a paused one resumed however the pause ends, and neither
// leaves a process of the cluster running or stopped outside it.
package fault
