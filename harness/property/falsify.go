package property

import (
	"fmt"
	"strings"
	"sync"

	"pgregory.net/rapid"
)

// Falsification is the outcome of a property run by Falsify.
type Falsification struct {
	Failed bool   // the property failed on some draw
	Report string // rapid's report: the failure and the minimal draws
}

// Falsify runs prop with rapid (as many checks as -rapid.checks says) and
// reports whether it failed, without failing anything itself. rapid shrinks a
// failure before reporting it and replays the minimal case last, so a
// property that records its inputs on failure ends with the minimal ones.
// name names the run in rapid's fail files (under testdata/rapid/).
func Falsify(name string, prop func(*rapid.T)) Falsification {
	r := &recorder{name: name}
	rapid.Check(r, prop)
	return Falsification{Failed: r.failed, Report: strings.TrimSpace(r.log.String())}
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
