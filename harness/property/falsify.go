package property

import (
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Falsification is the outcome of a property run by Falsify.
type Falsification struct {
	Failed bool   // the property failed on some draw
	Report string // rapid's report: the failure and the minimal draws
}

// Options set a Falsify run; zero values leave rapid's flags (-rapid.seed,
// -rapid.checks) as they are.
type Options struct {
	Seed   uint64 // first seed; rapid draws from seed, seed+1, seed+3, ...
	Checks int    // draws to make before declaring that the property holds
	// Progress, if set, is called as each draw starts with the draws
	// started so far (shrinking draws more than Checks).
	Progress func(draws int)
}

// Falsify runs prop with rapid and reports whether it failed, without
// failing anything itself. rapid shrinks a failure before reporting it and
// replays the minimal case last, so a property that records its inputs on
// failure ends with the minimal ones. name names the run in rapid's log.
//
// A run depends on the seed and nothing else: Falsify neither replays nor
// writes rapid's fail files (testdata/rapid/), which rapid.Check replays
// before drawing anything — a test that passes because of a file left by an
// earlier run passes nowhere else. Nor does it let rapid stop shrinking at
// -rapid.shrinktime (30 s by default): on a slow machine that clock cut a
// 15-call failure short of the two calls a fast one reached. An interrupted
// run still ends at once, as every draw then fails without a round trip.
// It sets rapid's flags for the duration of the run, so Falsify runs must
// not overlap.
func Falsify(name string, opts Options, prop func(*rapid.T)) Falsification {
	// rapid asks testing.Short(), which panics outside a test binary (the
	// CLI) unless the testing flags are registered and the command line
	// parsed; in a test binary both are done already.
	testing.Init()
	if !flag.Parsed() {
		flag.CommandLine.Parse(nil)
	}
	defer setFlag("rapid.nofailfile", "true")()
	defer setFlag("rapid.shrinktime", unboundedShrink.String())()
	if opts.Seed != 0 {
		defer setFlag("rapid.seed", fmt.Sprint(opts.Seed))()
	}
	if opts.Checks != 0 {
		defer setFlag("rapid.checks", fmt.Sprint(opts.Checks))()
	}
	// A name no fail file can match: rapid globs testdata/rapid/<name>/.
	r := &recorder{name: fmt.Sprintf("%s-falsify-%d", name, falsifyRuns.Add(1))}
	if opts.Progress != nil {
		inner, draws := prop, 0
		prop = func(t *rapid.T) {
			draws++
			opts.Progress(draws)
			inner(t)
		}
	}
	rapid.Check(r, prop)
	return Falsification{Failed: r.failed, Report: strings.TrimSpace(r.log.String())}
}

var falsifyRuns atomic.Int64

// unboundedShrink is as long as rapid lets any run take (it stops a run that
// is not a test's 24 hours after it started).
const unboundedShrink = 24 * time.Hour

// setFlag sets one of rapid's command-line flags and returns what restores it.
func setFlag(name, value string) (restore func()) {
	f := flag.Lookup(name)
	if f == nil {
		panic("property: rapid has no flag " + name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		panic(err)
	}
	return func() { f.Value.Set(old) }
}

// recorder is a rapid.TB that writes down what a testing.T would print.
type recorder struct {
	name   string
	mu     sync.Mutex
	failed bool
	log    strings.Builder
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Log(a ...any) { r.logf("%s", fmt.Sprintln(a...)) }
func (r *recorder) Logf(f string, a ...any) {
	r.logf(f+"\n", a...)
}
func (r *recorder) Skipf(f string, a ...any) { r.Logf(f, a...) }
func (r *recorder) Skip(a ...any)            { r.Log(a...) }
func (r *recorder) SkipNow()                 {}
func (r *recorder) Errorf(f string, a ...any) {
	r.Fail()
	r.Logf(f, a...)
}
func (r *recorder) Error(a ...any) { r.Fail(); r.Log(a...) }
func (r *recorder) Fatalf(f string, a ...any) {
	r.Errorf(f, a...)
}
func (r *recorder) Fatal(a ...any) { r.Error(a...) }
func (r *recorder) FailNow()       { r.Fail() }
func (r *recorder) Fail() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *recorder) logf(f string, a ...any) {
	r.mu.Lock()
	fmt.Fprintf(&r.log, f, a...)
	r.mu.Unlock()
}
