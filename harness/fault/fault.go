package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// Fault is one kind of fault.
type Fault interface {
	// Name is the fault's name in histories and on the command line: one of
	// histories.FaultKinds.
	Name() string
	// OnServer reports a fault that hits the whole server (crash, pause);
	// the others hit one session (kill, cancel, lose-reply).
	OnServer() bool
	// Applies returns nil when the fault can be injected on s, and otherwise
	// an error that says why and what to do instead. A nil s stands for a
	// server that is not the embedded cluster and is not opened yet (a
	// --dsn run, before it connects): Applies says what it can without it.
	Applies(s *postgres.Server) error
	// Inject injects the fault into t and returns once it is over: a crashed
	// server accepts connections again, a paused one runs again, a lost
	// reply is armed (Link.AwaitLoss waits for the loss itself). It returns
	// nil only when the fault took effect; ErrMissed when it found nothing to
	// hit (the session was gone).
	Inject(ctx context.Context, t Target) error
}

// Target is what a fault hits.
type Target struct {
	Server *postgres.Server
	// Control is a harness connection for pg_terminate_backend and
	// pg_cancel_backend. A crash breaks it: the caller reconnects it.
	Control *pgx.Conn
	// PID is the backend of the session a kill or cancel hits.
	PID uint32
	// Link is the connection of the session a lost reply hits.
	Link *Link
}

// ErrMissed reports a fault that found nothing to hit — the session had
// gone, or closed before its reply could be lost — and so did nothing.
var ErrMissed = errors.New("fault: missed")

// ErrUnknown reports a fault name that is not one of Names.
var ErrUnknown = errors.New("unknown fault")

// ErrNotApplicable reports a fault that cannot be injected on a setup.
var ErrNotApplicable = errors.New("fault does not apply")

// all are the faults, in the order of histories.FaultKinds.
var all = []Fault{Crash{}, Kill{}, Cancel{}, LoseReply{}, Pause{}}

// Names lists the faults' names.
func Names() []string {
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Name()
	}
	return names
}

// Lookup finds a fault by name, with its default settings.
func Lookup(name string) (Fault, error) {
	for _, f := range all {
		if f.Name() == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w %q: choose from %s", ErrUnknown, name, strings.Join(Names(), ", "))
}

// Parse reads a comma-separated list of fault names, such as
// "kill,crash,lose-reply". Each fault may appear once.
func Parse(list string) ([]Fault, error) {
	var faults []Fault
	var seen []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("%w: an empty name in %q: give names separated by commas, from %s", ErrUnknown, list, strings.Join(Names(), ", "))
		}
		if slices.Contains(seen, name) {
			return nil, fmt.Errorf("fault %q given twice in %q", name, list)
		}
		f, err := Lookup(name)
		if err != nil {
			return nil, err
		}
		seen = append(seen, name)
		faults = append(faults, f)
	}
	return faults, nil
}

// needEmbedded is the error of a server fault on a server that is not the
// embedded cluster.
func needEmbedded(name, what string, s *postgres.Server) error {
	if s != nil && s.Embedded() {
		return nil
	}
	return fmt.Errorf("%w: %s %s, which needs the embedded cluster: jbcheck must own the server's processes; run without --dsn (and without PGHOST), or leave %s out of --faults",
		ErrNotApplicable, name, what, name)
}
