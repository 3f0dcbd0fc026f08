package interleave

import "sync"

// workers runs the sessions' bodies on goroutines kept from one schedule to
// the next. A new goroutine per session and schedule grew its stack again
// each time (pgx's calls are deep): about 3 % of schedule mode's CPU.
type workers struct {
	once sync.Once
	mu   sync.Mutex
	idle int      // workers done with their job, receiving or about to
	jobs chan job // unbuffered: an idle worker takes the next
}

type job struct {
	body func()
	wg   *sync.WaitGroup
}

func newWorkers() *workers { return &workers{jobs: make(chan job)} }

// Go runs body on an idle worker, or a new one, counted by wg.
func (w *workers) Go(wg *sync.WaitGroup, body func()) {
	wg.Add(1)
	w.mu.Lock()
	if w.idle > 0 {
		w.idle--
		w.mu.Unlock()
		w.jobs <- job{body, wg}
		return
	}
	w.mu.Unlock()
	go w.work(job{body, wg})
}

// work runs jobs until the engine closes. A worker counts itself idle
// before its job is counted done, so that once a schedule's WaitGroup is
// done every worker of it is there for the next schedule.
func (w *workers) work(j job) {
	for {
		j.body()
		w.mu.Lock()
		w.idle++
		w.mu.Unlock()
		j.wg.Done()
		var open bool
		if j, open = <-w.jobs; !open {
			return
		}
	}
}

// close ends the idle workers; it must come after the last Go.
func (w *workers) close() { w.once.Do(func() { close(w.jobs) }) }
