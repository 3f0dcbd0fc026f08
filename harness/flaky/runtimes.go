package flaky

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// The histogram's geometry, in px, and its bins.
const (
	rtW, rtH          = 900, 420
	rtLeft, rtRight   = 60, 880
	rtTop, rtBottom   = 60, 340
	rtBins            = 30
	rtPass, rtFail    = "#2ca02c", "#d62728"
	rtTimeout, rtMark = "#7f1d1d", "#333"
)

// WriteRuntimes writes a self-contained SVG (no script, nothing fetched) of
// how long the runs took: a histogram whose bars stack the passing runs,
// the failing ones and those killed at the timeout, each kind in its own
// color, with the p50 and p95 of passing and of failing runs marked. When
// failing runs are much faster or slower than passing ones, it shows.
func WriteRuntimes(w io.Writer, rep Report) error {
	var longest time.Duration
	for _, r := range rep.Details {
		longest = max(longest, r.Duration)
	}
	span := float64(max(longest, time.Millisecond)) * 1.05
	bin := func(d time.Duration) int { return min(int(float64(d)/span*rtBins), rtBins-1) }
	counts := map[string][]int{"pass": make([]int, rtBins), "fail": make([]int, rtBins), "timeout": make([]int, rtBins)}
	tallest := 1
	for _, r := range rep.Details {
		kind := r.Kind
		if counts[kind] == nil {
			kind = "fail"
		}
		counts[kind][bin(r.Duration)]++
	}
	for b := 0; b < rtBins; b++ {
		tallest = max(tallest, counts["pass"][b]+counts["fail"][b]+counts["timeout"][b])
	}
	x := func(d float64) float64 { return rtLeft + (rtRight-rtLeft)*d/span }
	y := func(n float64) float64 { return rtBottom - (rtBottom-rtTop)*n/float64(tallest) }
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", rtW, rtH, rtW, rtH)
	fmt.Fprintf(&s, `<rect width="%d" height="%d" fill="white"/>`+"\n", rtW, rtH)
	fmt.Fprintf(&s, `<text x="%d" y="22" font-size="15" font-weight="bold">run times of %d runs (%d failed): %s</text>`+"\n",
		rtLeft, rep.Runs, rep.Failures, html.EscapeString(clip(strings.Join(rep.Command, " "), 80)))
	fmt.Fprintf(&s, `<text x="%d" y="42">runs per bin of %s</text>`+"\n", rtLeft, roundDuration(time.Duration(span/rtBins)))
	for i := 0; i <= 4; i++ {
		n := math.Round(float64(tallest) * float64(i) / 4)
		fmt.Fprintf(&s, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%d</text>`+"\n",
			rtLeft, y(n), rtRight, y(n), rtLeft-6, y(n), int(n))
	}
	bw := float64(rtRight-rtLeft) / rtBins
	for b := 0; b < rtBins; b++ {
		base := 0
		for _, kind := range []string{"pass", "fail", "timeout"} {
			n := counts[kind][b]
			if n == 0 {
				continue
			}
			color := map[string]string{"pass": rtPass, "fail": rtFail, "timeout": rtTimeout}[kind]
			lo, hi := time.Duration(float64(b)*span/rtBins), time.Duration(float64(b+1)*span/rtBins)
			fmt.Fprintf(&s, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%d %s runs of %s–%s</title></rect>`+"\n",
				kind, rtLeft+float64(b)*bw+1, y(float64(base+n)), bw-2, y(float64(base))-y(float64(base+n)), color, n, kind, roundDuration(lo), roundDuration(hi))
			base += n
		}
	}
	for i := 0; i <= 5; i++ {
		d := span * float64(i) / 5
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			x(d), rtBottom, x(d), rtBottom+4, x(d), rtBottom+17, roundDuration(time.Duration(d)))
	}
	fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", rtLeft, rtBottom, rtRight, rtBottom)
	marks := 0
	for _, m := range []struct {
		name string
		t    Timing
	}{{"passing", rep.Passing}, {"failing", rep.Failing}} {
		if m.t.Runs == 0 {
			continue
		}
		for _, q := range []struct {
			name string
			d    time.Duration
		}{{"p50", m.t.P50}, {"p95", m.t.P95}} {
			at, anchor, dx := x(float64(q.d)), "start", 3.0
			if at > (rtLeft+rtRight)/2 { // label on the inner side, never past the edge
				anchor, dx = "end", -3
			}
			fmt.Fprintf(&s, `<line class="mark" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="4 3"/><text x="%.1f" y="%d" font-size="10" text-anchor="%s">%s %s %s</text>`+"\n",
				at, rtTop, at, rtBottom, rtMark, at+dx, rtTop+10+12*marks, anchor, m.name, q.name, roundDuration(q.d))
			marks++
		}
	}
	legend := rtLeft
	for _, k := range []struct{ name, color string }{{"passing", rtPass}, {"failing", rtFail}, {"killed at the timeout", rtTimeout}} {
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="14" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", legend, rtBottom+34, k.color, legend+18, rtBottom+43, k.name)
		legend += 160
	}
	s.WriteString("</svg>\n")
	_, err := io.WriteString(w, s.String())
	return err
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
