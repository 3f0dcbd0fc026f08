package interleave

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// precise is a one-shot timer that fires on time. Go's timers fire about a
// millisecond late when the process is otherwise idle (the runtime's poller
// sleeps in whole milliseconds), and a schedule's step takes a tenth of
// that: a blocked statement would cost a millisecond before it is even
// looked at. A Linux timerfd, read through the runtime's poller, wakes
// within tens of microseconds. Where there is none, time.Timer stands in.
type precise struct {
	fd    int
	file  *os.File
	fired chan struct{}
	slow  *time.Timer // the stand-in
}

func newPrecise() *precise {
	t := &precise{fd: -1, fired: make(chan struct{}, 1)}
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, 1 /* CLOCK_MONOTONIC */, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return t
	}
	t.fd = int(fd)
	t.file = os.NewFile(fd, "timerfd") // non-blocking: reads park in the poller
	go func() {
		var expirations [8]byte
		for {
			if _, err := t.file.Read(expirations[:]); err != nil {
				return // closed
			}
			t.fire()
		}
	}()
	return t
}

// itimerspec is struct itimerspec: an interval, then the first expiry.
type itimerspec struct{ interval, value syscall.Timespec }

// arm starts the timer for d and returns the channel it fires on. A stale
// tick from an earlier arming may arrive early: callers treat a tick as
// "look again", never as proof that d has passed.
func (t *precise) arm(d time.Duration) <-chan struct{} {
	select {
	case <-t.fired:
	default:
	}
	spec := itimerspec{value: syscall.NsecToTimespec(max(int64(d), 1))}
	if t.fd < 0 || settime(t.fd, &spec) != nil {
		if t.slow == nil {
			t.slow = time.AfterFunc(d, t.fire)
		} else {
			t.slow.Reset(d)
		}
	}
	return t.fired
}

func (t *precise) fire() {
	select {
	case t.fired <- struct{}{}:
	default:
	}
}

func settime(fd int, spec *itimerspec) error {
	if _, _, errno := syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(fd), 0, uintptr(unsafe.Pointer(spec)), 0, 0, 0); errno != 0 {
		return errno
	}
	return nil
}

// close releases the timerfd and ends its reader.
func (t *precise) close() {
	if t.file != nil {
		t.file.Close()
	}
}
