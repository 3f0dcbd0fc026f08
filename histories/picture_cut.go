package histories

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Porcupine's drawing (its visualization, v1.3.1) is one HTML page: a
// legend, its script and `const data = {…}`. cutPicture keeps the calls of
// a window in the data and renumbers them; decorate replaces the legend
// with the picture's head and teaches the script the row labels and the
// width limit. Each replacement must find its text: a new porcupine that
// changed it fails the picture tests rather than drawing something else.

type pictureData struct {
	Partitions  []picturePartition `json:"Partitions"`
	Annotations json.RawMessage    `json:"Annotations"`
}

type picturePartition struct {
	History               []map[string]any   `json:"History"`
	PartialLinearizations [][]map[string]any `json:"PartialLinearizations"`
	Largest               map[string]int     `json:"Largest"`
}

const (
	maxBarText = 32
	dataStart  = "const data = "
	dataEnd    = "\n\n      render(data)"
)

// cutPicture keeps the calls whose indexes are in window (a world's
// operations, in the order porcupine was given them), in every partial
// linearization too, and puts each on the row of its label.
func cutPicture(page string, window []int, labels map[int]string) (string, error) {
	i := strings.Index(page, dataStart)
	j := strings.Index(page, dataEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("picture: porcupine's page has no data where it should")
	}
	var data pictureData
	if err := json.Unmarshal([]byte(page[i+len(dataStart):j]), &data); err != nil {
		return "", fmt.Errorf("picture: porcupine's data: %w", err)
	}
	// Rows: labels in client order, the audit last.
	var ids []int
	for id := range labels {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int) int { return compareLabels(labels[a], labels[b]) })
	row := map[int]int{}
	names := make([]string, len(ids))
	for r, id := range ids {
		row[id], names[r] = r, labels[id]
	}
	for p := range data.Partitions {
		part := &data.Partitions[p]
		renumber := map[int]int{}
		var kept []map[string]any
		for _, old := range window {
			if old < len(part.History) {
				el := part.History[old]
				el["ClientId"] = row[int(el["ClientId"].(float64))]
				// A long answer (an audit's whole state) would widen the
				// drawing past reading: cut it in the bar, whole in the
				// tooltip.
				if d, _ := el["Description"].(string); len([]rune(d)) > maxBarText {
					el["Description"] = string([]rune(d)[:maxBarText-1]) + "…"
					el["Metadata"] = d + "<br><br>"
				}
				renumber[old] = len(kept)
				kept = append(kept, el)
			}
		}
		linNew := map[int]int{}
		var lins [][]map[string]any
		for l, lin := range part.PartialLinearizations {
			var steps []map[string]any
			for _, step := range lin {
				if n, ok := renumber[int(step["Index"].(float64))]; ok {
					step["Index"] = n
					steps = append(steps, step)
				}
			}
			if len(steps) > 0 {
				linNew[l] = len(lins)
				lins = append(lins, steps)
			}
		}
		largest := map[string]int{}
		for k, l := range part.Largest {
			old, _ := strconv.Atoi(k)
			if n, ok := renumber[old]; ok {
				if nl, ok := linNew[l]; ok {
					largest[strconv.Itoa(n)] = nl
				}
			}
		}
		part.History, part.PartialLinearizations, part.Largest = kept, lins, largest
		if part.History == nil {
			part.History = []map[string]any{}
		}
		if part.PartialLinearizations == nil {
			part.PartialLinearizations = [][]map[string]any{}
		}
	}
	out, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	labelsJSON, err := json.Marshal(names)
	if err != nil {
		return "", err
	}
	return page[:i] + "const JB_LABELS = " + string(labelsJSON) + "\n      " + dataStart + string(out) + page[j:], nil
}

// compareLabels orders c2 before c10, c3 before c3′, and audit last.
func compareLabels(a, b string) int {
	key := func(s string) (int, string) {
		if !strings.HasPrefix(s, "c") {
			return 1 << 30, s
		}
		digits := strings.TrimRight(s[1:], "′")
		n, err := strconv.Atoi(digits)
		if err != nil {
			return 1 << 29, s
		}
		return n, s
	}
	na, sa := key(a)
	nb, sb := key(b)
	if na != nb {
		return na - nb
	}
	return strings.Compare(sa, sb)
}

// replacements turn porcupine's page into the picture's: the head instead
// of the legend (no "Valid LP"), c0… instead of row numbers, a drawing
// scaled to fit pictureWidth.
var replacements = []struct{ old, new string }{
	{"<title>Porcupine</title>", "<title>jbcheck: the violation</title>"},
	{"i < realClients ? i.toString() : sortedTags[i - realClients]", "i < realClients ? JB_LABELS[i] : sortedTags[i - realClients]"},
	{"text.textContent = i < realClients ? i : sortedTags[i - realClients]", "text.textContent = i < realClients ? JB_LABELS[i] : sortedTags[i - realClients]"},
	{`  const svg = svgadd(document.querySelector('#canvas'), 'svg', {
    height: canvasHeight,
    width: canvasWidth,
  })`, `  const jbScale = Math.min(1, JB_WIDTH / canvasWidth)
  const svg = svgadd(document.querySelector('#canvas'), 'svg', {
    height: canvasHeight * jbScale,
    width: canvasWidth * jbScale,
    viewBox: '0 0 ' + canvasWidth + ' ' + canvasHeight,
  })`},
	{"#canvas {\n  margin-top: 45px;\n}", `#canvas { margin-top: 10px; }
body { margin: 10px; max-width: ` + strconv.Itoa(pictureWidth) + `px; }
h1 { font-size: 1.2rem; margin: 0 0 6px 0; }
p, li { font-size: 0.9rem; margin: 3px 0; }
ul { margin: 4px 0; padding-left: 20px; }
.anomaly { font-size: 1rem; color: #900; }
.legend .link { color: #206475; cursor: pointer; text-decoration: underline; margin-left: 12px; }
.dot { display: inline-block; width: 10px; height: 10px; margin-left: 8px; }
.dot.ok { background: rgba(0, 0, 0, 0.5); } .dot.bad { background: rgba(255, 0, 0, 0.5); }`},
}

// decorate applies the replacements and puts head where the legend was.
func decorate(page, head string) string {
	for _, r := range replacements {
		if !strings.Contains(page, r.old) {
			panic("picture: porcupine's page changed: " + strconv.Quote(r.old[:min(len(r.old), 60)]))
		}
		page = strings.Replace(page, r.old, r.new, 1)
	}
	i := strings.Index(page, `<div id="legend">`)
	j := strings.Index(page, `<div id="canvas">`)
	if i < 0 || j < i {
		panic("picture: porcupine's page has no legend where it should")
	}
	page = page[:i] + `<div id="head">` + "\n" + head + "</div>\n    " + page[j:]
	return strings.Replace(page, "const JB_LABELS = ", "const JB_WIDTH = "+strconv.Itoa(pictureWidth-20)+"\n      const JB_LABELS = ", 1)
}
