package record

import (
	"errors"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// Recorder writes operations to a history.
type Recorder struct {
	w     *histories.Writer
	clock Clock

	ok, fail, info atomic.Int64
}

// Clock stamps an event of the given kind: nanoseconds since the start in
// stress mode; in schedule mode a function of the step counter, which puts
// completions before invokes recorded between the same two steps.
type Clock func(histories.Kind) int64

// New records to w, stamping events with clock.
func New(w *histories.Writer, clock Clock) *Recorder {
	return &Recorder{w: w, clock: clock}
}

// Call records one operation by client: the invoke, then do, then its
// completion. It returns the completion's kind, and an error only when the
// history could not be written.
func (r *Recorder) Call(client int, in model.Input, do func() (model.Output, error)) (histories.Kind, error) {
	if err := r.Invoke(client, in); err != nil {
		return "", err
	}
	out, err := do()
	return r.Complete(client, in, out, err)
}

// Invoke records the start of an operation. Call does it for you; the
// scheduler calls it itself, at the moment the operation's first step is
// granted.
func (r *Recorder) Invoke(client int, in model.Input) error {
	return r.w.Append(histories.Event{Type: histories.Invoke, Client: client, World: in.World, Op: in.Op, Input: &in, Time: r.clock(histories.Invoke)})
}

// Complete records the end of an operation invoked before: ok with out,
// or, with err, fail or info as Classify decides. It returns the kind.
func (r *Recorder) Complete(client int, in model.Input, out model.Output, err error) (histories.Kind, error) {
	return r.complete(client, in, out, err, false)
}

// CompleteRetried is Complete for a call whose connection was lost and
// which was sent again under the same operation id: out and err are the
// retry's, and the history marks the completion as retried.
func (r *Recorder) CompleteRetried(client int, in model.Input, out model.Output, err error) (histories.Kind, error) {
	return r.complete(client, in, out, err, true)
}

func (r *Recorder) complete(client int, in model.Input, out model.Output, err error, retried bool) (histories.Kind, error) {
	kind := Classify(err)
	done := histories.Event{Type: kind, Client: client, World: in.World, Op: in.Op, Time: r.clock(kind), Retried: retried}
	switch done.Type {
	case histories.OK:
		done.Output = &out
		r.ok.Add(1)
	case histories.Fail:
		done.Error = errorText(err)
		r.fail.Add(1)
	case histories.Info:
		done.Error = errorText(err)
		r.info.Add(1)
	}
	return done.Type, r.w.Append(done)
}

// Audit reads a world with read and records what it read. The event is
// stamped before the read: a call answered before that time is in the
// snapshot, which is what lets the checker treat a final audit as a read of
// the whole world (histories.Check).
func (r *Recorder) Audit(world int64, read func() (model.Snapshot, error), quiescent bool) error {
	at := r.clock(histories.Audit)
	snap, err := read()
	if err != nil {
		return err
	}
	return r.w.Append(histories.Event{Type: histories.Audit, World: world, Time: at, Snapshot: &snap, Quiescent: &quiescent})
}

// Barrier reads a world with read and records it as a barrier: the caller
// guarantees that no call of the world is in flight from before the read
// until after the stamp (and that a background worker has caught up), so
// that the state read is the one every call before it left and every call
// after it starts from (docs/segments.md).
func (r *Recorder) Barrier(world int64, read func() (model.Snapshot, error)) error {
	at := r.clock(histories.Barrier)
	snap, err := read()
	if err != nil {
		return err
	}
	return r.w.Append(histories.Event{Type: histories.Barrier, World: world, Time: at, Snapshot: &snap})
}

// Fault injects a fault with inject and records it: kind is the fault's
// name (one of histories.FaultKinds), target "server" or the client it hit
// ("c3"). The event is stamped before inject starts and after it returns.
// A fault is recorded only when inject returns nil — it took effect; its
// error is returned otherwise, as is an error writing the history.
func (r *Recorder) Fault(kind, target string, inject func() error) error {
	start := r.clock(histories.Fault)
	if err := inject(); err != nil {
		return err
	}
	end := r.clock(histories.Fault)
	return r.w.Append(histories.Event{Type: histories.Fault, Fault: kind, Target: target, Time: start, End: end})
}

// Counts are the completions recorded so far.
func (r *Recorder) Counts() (ok, fail, info int64) {
	return r.ok.Load(), r.fail.Load(), r.info.Load()
}

// Classify decides what an operation's error says about whether it happened.
//   - nil: it happened (ok).
//   - nothing was sent to the server (pgconn.SafeToRetry: pgx means the
//     last statement; a caller whose call sent earlier ones wraps the error
//     so that it is not safe to retry, as stress does), or the server
//     rolled the transaction back — a serialization failure (40001), a
//     deadlock (40P01) or an integrity violation (class 23), after which
//     every variant's transaction is rolled back: it surely did not (fail).
//   - anything else — a timeout, a cancel, a lost connection, any other
//     server error: it may have (info).
func Classify(err error) histories.Kind {
	if err == nil {
		return histories.OK
	}
	if pgconn.SafeToRetry(err) {
		return histories.Fail
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01" || strings.HasPrefix(pgErr.Code, "23")) {
		return histories.Fail
	}
	return histories.Info
}

// errorText is the error for the history: the SQLSTATE first when there is one.
func errorText(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code + ": " + pgErr.Message
	}
	return err.Error()
}
