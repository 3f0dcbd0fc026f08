package flaky

import (
	"math"
	"slices"
	"time"
)

// z is the normal quantile of a two-sided 95% interval.
const z = 1.959963984540054

// Wilson is the Wilson score interval of failures out of runs, at 95%. Unlike
// the textbook p ± z·√(p(1−p)/n), it stays inside [0, 1] and is honest with
// few runs and with zero failures.
func Wilson(failures, runs int) (low, high float64) {
	if runs == 0 {
		return 0, 1
	}
	n, p := float64(runs), float64(failures)/float64(runs)
	denom := 1 + z*z/n
	center := (p + z*z/(2*n)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	return max(0, center-half), min(1, center+half)
}

// PassesNeeded is how many runs, all passing, it takes for the Wilson upper
// bound to fall below target: z²(1−target)/target, rounded up. For a 1%
// target that is 381 passes in a row.
func PassesNeeded(target float64) int {
	if target <= 0 || target >= 1 {
		return 0
	}
	n := int(math.Ceil(z * z * (1 - target) / target))
	for _, high := Wilson(0, n); high >= target; _, high = Wilson(0, n) {
		n++
	}
	return n
}

// Timing summarizes run times: the median, the 95th percentile and the
// maximum (nearest-rank).
type Timing struct {
	Runs int           `json:"runs"`
	P50  time.Duration `json:"p50"`
	P95  time.Duration `json:"p95"`
	Max  time.Duration `json:"max"`
}

func timing(ds []time.Duration) Timing {
	if len(ds) == 0 {
		return Timing{}
	}
	s := slices.Sorted(slices.Values(ds))
	rank := func(q float64) time.Duration { return s[int(math.Ceil(q*float64(len(s))))-1] }
	return Timing{Runs: len(s), P50: rank(0.5), P95: rank(0.95), Max: s[len(s)-1]}
}
