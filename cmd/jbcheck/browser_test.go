package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// The viewport every page must read in.
const viewW, viewH = 1400, 1000

// chromium finds headless Chromium: $JBCHECK_CHROMIUM, or chromium on the
// PATH. Without it the test fails — never skips — naming the package.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("JBCHECK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium not found: install the Debian package chromium (`make chromium` does, as root) or set JBCHECK_CHROMIUM to its binary")
	return ""
}

// target is an element that must be inside the first viewport: the first
// element matching Sel whose text contains Text.
type target struct {
	Sel  string `json:"sel"`
	Text string `json:"text"`
}

// probed is what the probe script reports of a page once it has rendered.
type probed struct {
	Errors      []string                        `json:"errors"`
	ScrollWidth float64                         `json:"scrollWidth"`
	InnerWidth  float64                         `json:"innerWidth"`
	Rects       []*struct{ X, Y, W, H float64 } `json:"rects"`
}

// probe is injected first into every HTML page the test server sends: it
// records script errors, and after the page has rendered writes what it
// measured into <pre id="jb-probe">.
const probe = `<script>
window.__jbErrors = [];
window.addEventListener('error', (e) => window.__jbErrors.push(String(e.message)));
window.addEventListener('load', () => setTimeout(() => {
  const rects = JB_TARGETS.map((t) => {
    const el = [...document.querySelectorAll(t.sel)].find((e) => !t.text || e.textContent.includes(t.text));
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {X: r.left + scrollX, Y: r.top + scrollY, W: r.width, H: r.height};
  });
  const out = document.createElement('pre');
  out.id = 'jb-probe';
  out.textContent = JSON.stringify({errors: window.__jbErrors, scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth, rects});
  document.body.appendChild(out);
}, 0));
</script>`

// render loads url in headless Chromium at the viewport's size and returns
// the probe's report.
func render(t *testing.T, bin, url string) probed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		fmt.Sprintf("--window-size=%d,%d", viewW, viewH), "--virtual-time-budget=5000", "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", url, err)
	}
	m := regexp.MustCompile(`(?s)<pre id="jb-probe">(.*?)</pre>`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s: the probe never reported (the page did not finish loading)", url)
	}
	var p probed
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p); err != nil {
		t.Fatalf("%s: the probe's report: %v", url, err)
	}
	return p
}

// serve serves dir, injecting the probe with each page's targets into
// every HTML page.
func serve(t *testing.T, dir string, targets map[string][]target) *httptest.Server {
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".html") {
			files.ServeHTTP(w, r)
			return
		}
		page, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		js, _ := json.Marshal(append([]target{}, targets[strings.TrimPrefix(r.URL.Path, "/")]...))
		inject := "<script>const JB_TARGETS = " + string(js) + "</script>" + probe
		text := strings.Replace(string(page), "<head>", "<head>"+inject, 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, text)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowserRendersTheReportAndAPicture: verify's index.html, the picture
// of a corpus counterexample and the picture of a stress run of
// join-check-then-insert render in headless Chromium with no script error,
// no wider than a 1,400 px viewport, the violation inside the first
// 1,400×1,000 (the matrix's VIOLATED cell; the anomaly and I1's row), and
// every link resolving to a file that is there.
func TestBrowserRendersTheReportAndAPicture(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()

	// A stress run of the duplicate join: its picture must show I1.
	// A run is a race: up to three runs, until one stores a membership twice.
	runDir := filepath.Join(dir, "runs", "dup")
	var stressVerdict histories.Verdict
	for seed := 3; seed < 6 && stressVerdict.Status(model.UniqueMembership) != histories.Violated; seed++ {
		if err := os.RemoveAll(runDir); err != nil {
			t.Fatal(err)
		}
		if err := dispatch(context.Background(), []string{"run", "--variant", "join-check-then-insert", "--ops", "3000", "--seed", fmt.Sprint(seed), "--out", runDir}); err == nil {
			continue
		}
		stressVerdict = histories.Check(mustRead(t, filepath.Join(runDir, "history.jsonl")), histories.CheckOptions{})
	}
	if stressVerdict.Status(model.UniqueMembership) != histories.Violated {
		t.Fatalf("three stress runs of join-check-then-insert stored no membership twice (last: %v violated)", stressVerdict.Violated())
	}

	// A corpus counterexample, written as verify writes one.
	bugDir := filepath.Join(dir, "bugs", "join-check-then-insert")
	if err := os.MkdirAll(bugDir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := histories.FilesIn(bugDir)
	for from, to := range map[string]string{"join-check-then-insert.jsonl": files.History, "join-check-then-insert.transcript.txt": files.Transcript} {
		b, err := os.ReadFile(filepath.Join("..", "..", "histories", "corpus", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cx, err := counterexample(context.Background(), files.History, mustRead(t, files.History))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(bugDir, "bug-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.BugReport(f, cx); err != nil {
		t.Fatal(err)
	}
	f.Close()
	held := map[model.Guarantee]histories.Status{}
	for _, g := range model.Guarantees {
		held[g] = histories.Held
	}
	rel := func(p string) string { r, _ := filepath.Rel(dir, p); return filepath.ToSlash(r) }
	gate := report.Gate{Started: time.Now(), Postgres: "15", Verdict: "the gate FAILED: a test page", Checks: []report.Check{
		{Variant: "locking", Correct: true, Name: "property", Statuses: held, Passed: true, Detail: "held in every draw"},
		{Variant: "join-check-then-insert", Name: "explore five joins", Statuses: cx.Verdict.Statuses, Passed: true,
			Anomaly: cx.Verdict.AnomalyNames(), Detail: cx.Verdict.AnomalyNames() + ": schedule 2 violated",
			Files:     &histories.Files{History: rel(files.History), Picture: rel(files.Picture), Transcript: rel(files.Transcript)},
			BugReport: rel(filepath.Join(bugDir, "bug-report.md"))},
		{Variant: "join-check-then-insert", Name: "stress", Statuses: stressVerdict.Statuses, Passed: true,
			Anomaly: stressVerdict.AnomalyNames(),
			Files:   &histories.Files{History: "runs/dup/history.jsonl", Picture: "runs/dup/history.html"}},
	}}
	if err := report.WriteGate(dir, gate); err != nil {
		t.Fatal(err)
	}

	pages := map[string][]target{
		"index.html": {{Sel: "td.violated"}, {Sel: "td", Text: "duplicate insert"}},
		"bugs/join-check-then-insert/history.html": {{Sel: ".anomaly", Text: "duplicate insert"},
			{Sel: "text", Text: "I1 violated"}, {Sel: "rect.client-annotation-rect"}},
		"runs/dup/history.html": {{Sel: ".anomaly", Text: "duplicate insert"},
			{Sel: "text", Text: "I1 violated"}, {Sel: "rect.client-annotation-rect"}},
	}
	// The probe itself: a page that throws must be caught throwing.
	if err := os.WriteFile(filepath.Join(dir, "throws.html"), []byte("<!DOCTYPE html><html><head></head><body><script>undefinedFunction()</script></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, dir, pages)
	if p := render(t, bin, srv.URL+"/throws.html"); len(p.Errors) == 0 {
		t.Fatal("the probe saw no script error on a page that throws: it would miss real ones")
	}
	for page, targets := range pages {
		t.Run(page, func(t *testing.T) {
			p := render(t, bin, srv.URL+"/"+page)
			t.Logf("%s: %.0f px wide, errors %q", page, p.ScrollWidth, p.Errors)
			for i, r := range p.Rects {
				if r != nil {
					t.Logf("  %s %q at (%.0f, %.0f), %.0f×%.0f", targets[i].Sel, targets[i].Text, r.X, r.Y, r.W, r.H)
				}
			}
			if len(p.Errors) > 0 {
				t.Errorf("script errors: %q", p.Errors)
			}
			if p.ScrollWidth > viewW || p.InnerWidth > viewW {
				t.Errorf("the page is %.0f px wide in a %d px viewport", p.ScrollWidth, viewW)
			}
			for i, r := range p.Rects {
				switch {
				case r == nil:
					t.Errorf("no %s with %q on the page", targets[i].Sel, targets[i].Text)
				case r.X < 0 || r.Y < 0 || r.X+r.W > viewW || r.Y+r.H > viewH:
					t.Errorf("%s %q at (%.0f, %.0f), %.0f×%.0f: not inside the first %d×%d", targets[i].Sel, targets[i].Text, r.X, r.Y, r.W, r.H, viewW, viewH)
				}
			}
			text, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(page)))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range regexp.MustCompile(`href="([^"#]+)"`).FindAllStringSubmatch(string(text), -1) {
				link := filepath.Join(dir, filepath.Dir(filepath.FromSlash(page)), filepath.FromSlash(html.UnescapeString(m[1])))
				if _, err := os.Stat(link); err != nil {
					t.Errorf("link %q does not resolve: %v", m[1], err)
				}
			}
		})
	}
}

func mustRead(t *testing.T, path string) *histories.History {
	t.Helper()
	h, err := histories.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
