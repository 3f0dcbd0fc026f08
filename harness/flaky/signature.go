package flaky

import (
	"regexp"
	"strings"
)

// Failure headers of common test runners: the test that failed is named on
// them, and the line after is usually the assertion.
var headers = []*regexp.Regexp{
	regexp.MustCompile(`^\s*--- FAIL: (\S+)`),        // go test
	regexp.MustCompile(`^\s*● (.+)$`),                // jest
	regexp.MustCompile(`^FAILED (\S+)`),              // pytest -ra
	regexp.MustCompile(`^\s*(\S+) FAILED\b`),         // pytest -v, gradle
	regexp.MustCompile(`^\s*not ok \d+ (?:- )?(.+)`), // TAP (node --test, prove)
}

// hints mark a line that says something went wrong, when no header is found.
var hints = regexp.MustCompile(`(?i)error|fail|panic|assert|exception|timeout|timed out`)

// Signature picks the most specific failure line of a run's output — a test
// runner's failure header with the assertion after it, else the last line
// that mentions an error, else the last line — and normalizes it so that
// runs failing the same way get the same signature.
func Signature(output string) string {
	lines := strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n")
	for i, line := range lines {
		for _, h := range headers {
			m := h.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			sig := m[1]
			for _, next := range lines[i+1:] {
				if next = strings.TrimSpace(next); next != "" && !isHeader(next) {
					sig += ": " + next
					break
				}
			}
			return Normalize(sig)
		}
	}
	last := ""
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if line == "" || boilerplate.MatchString(line) {
			continue
		}
		if hints.MatchString(line) {
			return Normalize(line)
		}
		if last == "" {
			last = line
		}
	}
	return Normalize(last)
}

// boilerplate lines end many failing outputs and say nothing specific.
var boilerplate = regexp.MustCompile(`^(FAIL|exit status \d+|FAIL\s+\S+\s+[\d.]+s|npm ERR! .*|error Command failed.*)$`)

func isHeader(line string) bool {
	for _, h := range headers {
		if h.MatchString(line) {
			return true
		}
	}
	return false
}

// normalizers strip what differs between runs failing the same way. Order
// matters: timestamps before durations before plain numbers.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`), "<time>"},
	{regexp.MustCompile(`\b\d{2}:\d{2}:\d{2}(\.\d+)?\b`), "<time>"},
	{regexp.MustCompile(`(/tmp|/var/folders|/private/var)/\S*`), "<tmp>"},
	{regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`), "<uuid>"},
	{regexp.MustCompile(`\b0x[0-9a-fA-F]+\b`), "<hex>"},
	{regexp.MustCompile(`\b[0-9a-f]{12,}\b`), "<hex>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|m|h)\b`), "<dur>"},
	{regexp.MustCompile(`\d+`), "N"},
	{regexp.MustCompile(`\s+`), " "},
}

// Normalize replaces times, temporary paths, ids, durations and numbers with
// placeholders.
func Normalize(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return strings.TrimSpace(s)
}
