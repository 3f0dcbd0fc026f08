package interleave

// AuditorID stands for the auditor among a Point's options.
const AuditorID = -1

// FaultID is the option that injects the k-th of the faults a Faulter
// offers at a point; faults are options below AuditorID.
func FaultID(k int) int { return -2 - k }

// faultOf is the fault an option stands for, if it stands for one.
func faultOf(option int) (int, bool) { return -2 - option, option <= -2 }

// Point is a moment where more than one participant could move.
type Point struct {
	Step int // grants so far
	// Options are session ids — the current session first when it can
	// move, then the others in cyclic order — then AuditorID when an audit
	// may run here, then FaultID(k) for each fault that may be injected.
	Options []int
	// Redundant marks options whose run is symmetric to an earlier option's
	// (Symmetric).
	Redundant []bool
	// Parked marks options in the sleep set: their next statement commutes
	// with everything run since an earlier branch explored them first, so
	// running them now leads only to runs already explored (Godefroid's
	// sleep sets, from the program's Commuter).
	Parked []bool
	// CurrentEnabled: the current session could move, so any choice but 0
	// is a preemption (an audit included).
	CurrentEnabled bool
	// InFlight are the sessions whose statement is in flight, blocked on a
	// lock: every other session is at its gate, asleep or done.
	InFlight []int
}

// firstAwake is the first option that is not parked, or 0 if all are.
func (p Point) firstAwake() int {
	for i := range p.Options {
		if !p.Parked[i] {
			return i
		}
	}
	return 0
}

// Chooser makes the choices of a schedule.
type Chooser interface {
	Choose(p Point) int
}

// Director is a Chooser that directs every grant — a program replaying a
// fixed order of steps, as isolationtester replays a permutation. Once the
// sessions settle, the engine asks it whenever a session is at its gate or
// a statement is in flight, even where one participant alone, or none,
// could move, and it may answer Wait. The engine applies no reduction and
// offers no audit at a Director's points; Choose is never called.
type Director interface {
	Chooser
	// Direct returns an index into p.Options, or Wait.
	Direct(p Point) int
}

// Wait is a Director's answer that grants nobody: the engine waits until a
// statement in flight ends (the server releases or cancels it), lets the
// sessions settle, and asks again.
const Wait = -2

// Replay makes the given choices, then keeps the current session running
// (choice 0, or the first option not parked) once they run out.
// Out-of-range choices wrap around, so any list of numbers is a valid
// schedule.
type Replay []int

// Choose implements Chooser.
func (r *Replay) Choose(p Point) int {
	if len(*r) == 0 {
		return p.firstAwake()
	}
	c := (*r)[0]
	*r = (*r)[1:]
	return ((c % len(p.Options)) + len(p.Options)) % len(p.Options)
}

// Result is one schedule's run.
type Result struct {
	Choices    []int   // the choice made at each point
	Points     []Point // every point, in order
	Steps      int     // statements granted
	Audits     int     // mid-flight audits taken
	Faults     int     // faults injected
	Transcript []string
	Outcome    Outcome
	// Rerun: the server found a deadlock after a speculative grant, and
	// the schedule was made again without speculating (Engine.Run).
	Rerun bool
}

// Preemptions counts the points where a session that could go on was
// stopped (an audit included).
func (r *Result) Preemptions() int {
	n := 0
	for i, p := range r.Points {
		if p.CurrentEnabled && r.Choices[i] != 0 {
			n++
		}
	}
	return n
}
