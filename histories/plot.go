package histories

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/model"
)

// The plot's geometry, in px.
const (
	plotW, plotH         = 1200, 660
	plotLeft, plotRight  = 70, 1180
	latTop, latBottom    = 70, 360
	rateTop, rateBottom  = 420, 590
	plotBuckets          = 60
	plotMinBucketCalls   = 1
	maxFaultLabels       = 12
	latencyFloorMs       = 0.01
	faultFill            = "#d6d6f0"
	failColor, infoColor = "#d62728", "#ff9f1c"
)

// opColors draws each operation in its own color.
var opColors = map[model.Op]string{
	model.OpJoin: "#1f77b4", model.OpLeave: "#9467bd", model.OpDeposit: "#2ca02c",
	model.OpTransfer: "#8c564b", model.OpBalance: "#e377c2", model.OpMembers: "#17becf",
}

// WritePlotFile writes h's plot to path (see WritePlot) and returns path, or
// writes nothing and returns "" for a schedule-mode history, whose clock
// counts steps, not time.
func WritePlotFile(path string, h *History) (string, error) {
	if h.Header.Mode != ModeStress {
		return "", nil
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := WritePlot(f, h); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// WritePlot writes a self-contained SVG of a stress history over time (no
// script, no network): above, the latency of each operation — its median
// (p50) as a line and the band up to its 99th percentile (p99), on a log
// scale; below, the throughput (calls answered ok per second) with the
// calls that failed or whose outcome is unknown (info) as bars; the fault
// windows shaded across both.
func WritePlot(w io.Writer, h *History) error {
	calls := Calls(h)
	small := make([]plotCall, len(calls))
	for i, c := range calls {
		small[i] = plotCall{invoked: c.Invoked, answered: c.Answered, op: opIndex(c.Input.Op), end: endIndex(c.End)}
	}
	return renderPlot(w, h.Header.Variant, h.Faults, small)
}

// renderPlot draws the plot of calls and faults (see WritePlot).
func renderPlot(w io.Writer, variant string, faults []Event, calls []plotCall) error {
	var end int64
	for _, c := range calls {
		end = max(end, c.invoked)
		if c.answered != math.MaxInt64 {
			end = max(end, c.answered)
		}
	}
	for _, f := range faults {
		end = max(end, f.End, f.Time)
	}
	end = max(end, 1)
	bucket := float64(end) / plotBuckets
	x := func(t float64) float64 { return plotLeft + (plotRight-plotLeft)*t/float64(end) }

	type cell struct{ lat []float64 }
	lat := map[model.Op][]cell{}
	ok, fail, info := make([]int, plotBuckets), make([]int, plotBuckets), make([]int, plotBuckets)
	maxLat := 1.0
	for _, c := range calls {
		b := min(int(float64(c.invoked)/bucket), plotBuckets-1)
		switch plotEnds[c.end] {
		case OK:
			ok[b]++
		case Fail:
			fail[b]++
		default:
			info[b]++
			continue
		}
		op := model.Ops[c.op]
		if lat[op] == nil {
			lat[op] = make([]cell, plotBuckets)
		}
		ms := max(float64(c.answered-c.invoked)/1e6, latencyFloorMs)
		lat[op][b].lat = append(lat[op][b].lat, ms)
		maxLat = max(maxLat, ms)
	}
	// Latency axis: decades from latencyFloorMs to above the slowest call.
	lo, hi := math.Floor(math.Log10(latencyFloorMs)), math.Ceil(math.Log10(maxLat))
	for _, cells := range lat {
		for _, c := range cells {
			if len(c.lat) > 0 {
				lo = min(lo, math.Floor(math.Log10(slices.Min(c.lat))))
			}
		}
	}
	lo = max(lo, math.Log10(latencyFloorMs))
	if hi <= lo {
		hi = lo + 1
	}
	yLat := func(ms float64) float64 {
		return latBottom - (latBottom-latTop)*(math.Log10(max(ms, latencyFloorMs))-lo)/(hi-lo)
	}
	maxRate := 1.0
	for b := range ok {
		maxRate = max(maxRate, float64(ok[b]+fail[b]+info[b])/(bucket/1e9))
	}
	maxRate = niceCeil(maxRate)
	yRate := func(r float64) float64 { return rateBottom - (rateBottom-rateTop)*r/maxRate }

	var s strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&s, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	fmt.Fprintf(&s, `<text x="%d" y="22" font-size="16" font-weight="bold">%s: %d calls in %.1f s</text>`+"\n", plotLeft, e(variant), len(calls), float64(end)/1e9)
	fmt.Fprintf(&s, `<text x="%d" y="%d" font-weight="bold">latency per operation, ms (log scale): line p50, band up to p99</text>`+"\n", plotLeft, latTop-8)
	fmt.Fprintf(&s, `<text x="%d" y="%d" font-weight="bold">throughput, calls/s: ok (line), fail and info (bars)</text>`+"\n", plotLeft, rateTop-8)

	// Fault windows, under everything else.
	for i, f := range faults {
		x0, x1 := x(float64(f.Time)), x(float64(max(f.End, f.Time)))
		x1 = max(x1, x0+2)
		for _, panel := range [][2]int{{latTop, latBottom}, {rateTop, rateBottom}} {
			fmt.Fprintf(&s, `<rect class="fault" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" opacity="0.6"><title>fault %s on %s, %.3f–%.3f s (line %d)</title></rect>`+"\n",
				x0, panel[0], x1-x0, panel[1]-panel[0], faultFill, e(f.Fault), e(f.Target), float64(f.Time)/1e9, float64(f.End)/1e9, f.Line)
		}
		if i < maxFaultLabels {
			fmt.Fprintf(&s, `<text x="%.1f" y="%d" font-size="10" fill="#55a">%s %s</text>`+"\n", x0, latTop-20-(i%2)*11, e(f.Fault), e(f.Target))
		}
	}
	if n := len(faults) - maxFaultLabels; n > 0 {
		fmt.Fprintf(&s, `<text x="%d" y="%d" font-size="10" fill="#55a" text-anchor="end">and %d more faults (hover a shaded window)</text>`+"\n", plotRight, latTop-20, n)
	}

	// Axes and grid.
	for d := lo; d <= hi; d++ {
		y := yLat(math.Pow(10, d))
		fmt.Fprintf(&s, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			plotLeft, y, plotRight, y, plotLeft-6, y, trimFloat(math.Pow(10, d)))
	}
	for i := 0; i <= 4; i++ {
		r := maxRate * float64(i) / 4
		y := yRate(r)
		fmt.Fprintf(&s, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			plotLeft, y, plotRight, y, plotLeft-6, y, trimFloat(r))
	}
	step := niceCeil(float64(end) / 1e9 / 10)
	for t := 0.0; t <= float64(end)/1e9+1e-9; t += step {
		xt := x(t * 1e9)
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999"/><text x="%.1f" y="%d" text-anchor="middle">%s s</text>`+"\n",
			xt, rateBottom, xt, rateBottom+4, xt, rateBottom+17, trimFloat(t))
	}
	for _, y := range []int{latBottom, rateBottom} {
		fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", plotLeft, y, plotRight, y)
	}
	fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n",
		plotLeft, latTop, plotLeft, latBottom, plotLeft, rateTop, plotLeft, rateBottom)

	// Latency: a p50 line and a p99 band per operation.
	legendX := plotLeft
	for _, op := range model.Ops {
		cells, present := lat[op]
		if !present {
			continue
		}
		var p50, p99 []string
		var band [][2]float64
		for b, c := range cells {
			if len(c.lat) < plotMinBucketCalls {
				continue
			}
			slices.Sort(c.lat)
			xb := x((float64(b) + 0.5) * bucket)
			p50 = append(p50, fmt.Sprintf("%.1f,%.1f", xb, yLat(quantile(c.lat, 0.5))))
			p99 = append(p99, fmt.Sprintf("%.1f,%.1f", xb, yLat(quantile(c.lat, 0.99))))
			band = append(band, [2]float64{xb, yLat(quantile(c.lat, 0.5))})
		}
		color := opColors[op]
		if len(band) > 0 {
			poly := slices.Clone(p99)
			for i := len(band) - 1; i >= 0; i-- {
				poly = append(poly, fmt.Sprintf("%.1f,%.1f", band[i][0], band[i][1]))
			}
			fmt.Fprintf(&s, `<polygon class="p99 %s" points="%s" fill="%s" opacity="0.18"><title>%s p50–p99</title></polygon>`+"\n", op, strings.Join(poly, " "), color, op)
			fmt.Fprintf(&s, `<polyline class="p50 %s" points="%s" fill="none" stroke="%s" stroke-width="2"><title>%s p50</title></polyline>`+"\n", op, strings.Join(p50, " "), color, op)
		}
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", legendX, latBottom+22, color, legendX+18, latBottom+27, op)
		legendX += 90
	}

	// Throughput and failures.
	var rate []string
	bw := (plotRight - plotLeft) / float64(plotBuckets)
	perSecond := func(n int) float64 { return float64(n) / (bucket / 1e9) }
	for b := range ok {
		xb := x((float64(b) + 0.5) * bucket)
		rate = append(rate, fmt.Sprintf("%.1f,%.1f", xb, yRate(perSecond(ok[b]))))
		if fail[b] > 0 {
			fmt.Fprintf(&s, `<rect class="fail" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%d failed</title></rect>`+"\n",
				xb-bw/2+1, yRate(perSecond(fail[b])), bw/2-1, rateBottom-yRate(perSecond(fail[b])), failColor, fail[b])
		}
		if info[b] > 0 {
			fmt.Fprintf(&s, `<rect class="info" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%d info (unknown outcome)</title></rect>`+"\n",
				xb, yRate(perSecond(info[b])), bw/2-1, rateBottom-yRate(perSecond(info[b])), infoColor, info[b])
		}
	}
	fmt.Fprintf(&s, `<polyline class="throughput" points="%s" fill="none" stroke="#333" stroke-width="2"/>`+"\n", strings.Join(rate, " "))
	var nFail, nInfo int
	for b := range fail {
		nFail, nInfo = nFail+fail[b], nInfo+info[b]
	}
	fmt.Fprintf(&s, `<rect x="%d" y="%d" width="14" height="10" fill="%s"/><text x="%d" y="%d">fail (%d)</text>`, plotLeft, rateBottom+30, failColor, plotLeft+18, rateBottom+39, nFail)
	fmt.Fprintf(&s, `<rect x="%d" y="%d" width="14" height="10" fill="%s"/><text x="%d" y="%d">info (%d)</text>`, plotLeft+110, rateBottom+30, infoColor, plotLeft+128, rateBottom+39, nInfo)
	fmt.Fprintf(&s, `<rect x="%d" y="%d" width="14" height="10" fill="%s"/><text x="%d" y="%d">fault window (%d)</text>`+"\n", plotLeft+220, rateBottom+30, faultFill, plotLeft+238, rateBottom+39, len(faults))
	s.WriteString("</svg>\n")
	_, err := io.WriteString(w, s.String())
	return err
}

// quantile is the q-quantile of sorted (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// trimFloat writes 0.01, 1, 2.5, 1000 without trailing zeros.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}
