package flaky

import "encoding/json"

// JSON writes every duration in seconds (docs/json.md): a Go
// time.Duration would come out as bare nanoseconds.

// MarshalJSON writes the run's duration as duration_seconds.
func (r Run) MarshalJSON() ([]byte, error) {
	type plain Run
	return json.Marshal(struct {
		plain
		Duration *struct{} `json:"duration,omitempty"` // hides the nanoseconds
		Seconds  float64   `json:"duration_seconds"`
	}{plain: plain(r), Seconds: r.Duration.Seconds()})
}

// MarshalJSON writes the timing in seconds: p50_seconds, p95_seconds,
// max_seconds.
func (t Timing) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Runs int     `json:"runs"`
		P50  float64 `json:"p50_seconds"`
		P95  float64 `json:"p95_seconds"`
		Max  float64 `json:"max_seconds"`
	}{t.Runs, t.P50.Seconds(), t.P95.Seconds(), t.Max.Seconds()})
}
