package verify

import (
	"sync"
	"time"
)

// Progress is a gate run's progress, for a status line or a heartbeat:
// Run updates it as checks start, advance and end; anyone may read it.
// A nil *Progress ignores every update.
type Progress struct {
	mu sync.Mutex
	s  Status
}

// Status is a snapshot of a Progress.
type Status struct {
	Started time.Time // the gate's start
	Check   int       // the running check, 1-based (0: none started yet)
	Checks  int       // every check of the gate
	Variant string    // the running check's variant
	Name    string    // and its name
	// The running check's own progress: Done of Budget Unit ("312 of 1500
	// schedules"); Budget 0 when the total is not known.
	Done, Budget int64
	Unit         string
	CheckStarted time.Time
	Finished     int // checks finished
}

// Status returns a snapshot.
func (p *Progress) Status() Status {
	if p == nil {
		return Status{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s
}

// Remaining estimates the time the gate still needs from the checks
// finished so far (their mean time, times the checks left); false before
// the first check has finished.
func (s Status) Remaining(now time.Time) (time.Duration, bool) {
	if s.Finished == 0 || s.Checks == 0 {
		return 0, false
	}
	mean := now.Sub(s.Started) / time.Duration(s.Finished)
	left := mean*time.Duration(s.Checks-s.Finished) - now.Sub(s.CheckStarted)
	return max(left, 0), true
}

func (p *Progress) start(checks int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s = Status{Started: time.Now(), Checks: checks}
}

// begin marks the next check as running.
func (p *Progress) begin(variant, name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s.Check++
	p.s.Variant, p.s.Name = variant, name
	p.s.Done, p.s.Budget, p.s.Unit = 0, 0, ""
	p.s.CheckStarted = time.Now()
}

// name names the running check.
func (p *Progress) name(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s.Name = name
}

// measure says what the running check counts and how much it will count.
func (p *Progress) measure(budget int64, unit string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s.Done, p.s.Budget, p.s.Unit = 0, budget, unit
}

// advance sets the running check's count.
func (p *Progress) advance(done int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s.Done = done
}

// end marks the running check finished.
func (p *Progress) end() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s.Finished++
}
