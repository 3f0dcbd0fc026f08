package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"jbcheck.dev/jbcheck/harness/verify"
)

// heartbeatEvery is how long the gate may go without printing a line when
// its output is not a terminal: a CI log then shows it alive.
const heartbeatEvery = 5 * time.Second

// gateStatus prints the gate's log lines and, between them, its progress:
// on a terminal a status line rewritten in place every second; elsewhere a
// heartbeat line whenever nothing was printed for heartbeatEvery.
type gateStatus struct {
	mu       sync.Mutex
	out      *os.File
	tty      bool
	progress *verify.Progress
	drawn    bool      // a status line is on the screen
	last     time.Time // the last line printed
	stop     chan struct{}
	done     chan struct{}
	closed   sync.Once
}

func newGateStatus(out *os.File, p *verify.Progress) *gateStatus {
	s := &gateStatus{out: out, tty: isTerminal(out), progress: p, last: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

// Write prints log lines, the status line cleared first and drawn again after.
func (s *gateStatus) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
	n, err := s.out.Write(b)
	s.last = time.Now()
	s.draw()
	return n, err
}

// Close stops the status line and clears it; later calls do nothing.
func (s *gateStatus) Close() {
	s.closed.Do(func() {
		close(s.stop)
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		s.clear()
	})
}

func (s *gateStatus) loop() {
	defer close(s.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		switch {
		case s.tty:
			s.clear()
			s.draw()
		case time.Since(s.last) >= heartbeatEvery:
			fmt.Fprintln(s.out, "… "+statusText(s.progress.Status(), time.Now()))
			s.last = time.Now()
		}
		s.mu.Unlock()
	}
}

func (s *gateStatus) clear() {
	if s.tty && s.drawn {
		io.WriteString(s.out, "\r\033[K")
		s.drawn = false
	}
}

func (s *gateStatus) draw() {
	if !s.tty {
		return
	}
	st := s.progress.Status()
	if st.Check == 0 {
		return
	}
	width := terminalWidth(s.out, 100) - 1
	io.WriteString(s.out, shorten(statusText(st, time.Now()), width))
	s.drawn = true
}

// statusText is "check 7 of 45, elapsed 0:42, about 2:10 left — 312 of
// 1500 schedules, 0:09 in this check — async-watermark explore …": the
// counts first, so that a narrow terminal shortens only the name.
func statusText(st verify.Status, now time.Time) string {
	if st.Check == 0 {
		return "starting"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "check %d of %d, elapsed %s", st.Check, st.Checks, clock(now.Sub(st.Started)))
	if left, ok := st.Remaining(now); ok {
		fmt.Fprintf(&b, ", about %s left", clock(left))
	}
	b.WriteString(" — ")
	switch {
	case st.Budget > 0:
		fmt.Fprintf(&b, "%d of %d %s, ", min(st.Done, st.Budget), st.Budget, st.Unit)
	case st.Unit != "":
		fmt.Fprintf(&b, "%d %s, ", st.Done, st.Unit)
	}
	fmt.Fprintf(&b, "%s in this check — %s %s", clock(now.Sub(st.CheckStarted)), st.Variant, st.Name)
	return b.String()
}

// clock is 1:05 or 1:02:05.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
