package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/model"
)

// driver runs a schedule's calls as HTTP requests to the service
// (schedule.Driver): each request's sending is a step, and so is each
// statement the service sends for it, until its answer comes.
type driver struct {
	cfg  *Config
	base string // the service's URL
	http *http.Client
	disp *dispatcher
}

// Name implements schedule.Driver.
func (d *driver) Name() string { return d.cfg.Name }

// Background implements schedule.Driver.
func (d *driver) Background() bool { return d.cfg.Background != nil }

// Call implements schedule.Driver.
func (d *driver) Call(ctx context.Context, s *interleave.Session, in model.Input) (model.Output, error, error) {
	cl, err := d.cfg.newCall(ctx, d.base, in)
	if err != nil {
		return model.Output{}, nil, err
	}
	a, err := d.exchange(ctx, s, cl.label, cl.req)
	if err != nil {
		return model.Output{}, nil, err
	}
	out, callErr := cl.output(a)
	return out, callErr, nil
}

// Work implements schedule.Driver: the background job's rounds, each
// triggered over HTTP; a round that changed nothing is followed by a
// sleep until another participant changes something, as a Go variant's
// worker does.
func (d *driver) Work(ctx context.Context, s *interleave.Session) error {
	b := d.cfg.Background
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, b.method, d.base+b.path, nil)
		if err != nil {
			return err
		}
		a, err := d.exchange(ctx, s, b.method+" "+b.path, req)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !progressed(a, b.Progressed) {
			s.Sleep(ctx)
		}
	}
	return nil
}

// exchange makes one HTTP request as session s: its sending is a step
// (labelled label); then every batch attributed to s runs as a step of s,
// until the answer comes.
func (d *driver) exchange(ctx context.Context, s *interleave.Session, label string, req *http.Request) (answer, error) {
	s.Step(label)
	p, err := d.disp.begin(s.ID())
	if err != nil {
		return answer{}, err
	}
	answers := make(chan answer, 1)
	go func() { answers <- send(d.http, req) }()
	// While a call waits here, the schedule waits for it: a silence this
	// long is the service's, and is reported, not waited out.
	wait := d.cfg.silence()
	silence := time.NewTimer(wait)
	defer silence.Stop()
	for {
		select {
		case <-silence.C:
			return answer{}, fmt.Errorf("%s (%s): the service neither answered nor sent a statement for %s: is its connection pool smaller than the participants? does a request wait for something outside the database? (docs/real-apps.md)",
				s.Name(), label, wait)
		case b := <-p.batches:
			// The statement's error is the service's to handle, as its
			// answer will show.
			_ = s.External(interleave.Statement{SQL: b.SQL, Args: b.Args}, b.BackendPID, func() (string, byte, byte, error) {
				return b.Forward(ctx)
			})
			d.disp.stepped(s.ID())
			silence.Reset(wait)
		case a := <-answers:
			d.disp.end(s.ID())
			return a, nil
		case <-d.disp.broken:
			return answer{}, d.disp.failure()
		case <-ctx.Done():
			return answer{}, ctx.Err()
		}
	}
}
