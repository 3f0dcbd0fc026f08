package redact

import (
	"os/exec"
	"strings"
	"testing"
)

const pw = "s3cr3t-Pw"

func TestStringMasksEveryFormOfPassword(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:" + pw + "@db.example:5432/x", "postgres://app:REDACTED@db.example:5432/x"},
		{"postgresql://app:" + pw + "@h1,h2/x?sslmode=require", "postgresql://app:REDACTED@h1,h2/x?sslmode=require"},
		{"POSTGRES://app:p@ss" + pw + "@h/x", "POSTGRES://app:REDACTED@h/x"}, // an @ in the password: the last @ ends it
		{"--dsn=postgres://app:" + pw + "@h/x", "--dsn=postgres://app:REDACTED@h/x"},
		{"postgres://h/x?user=app&password=" + pw + "&sslmode=disable", "postgres://h/x?user=app&password=REDACTED&sslmode=disable"},
		{"postgres://h/x?password=" + pw, "postgres://h/x?password=REDACTED"},
		{"postgres://h/x?sslpassword=" + pw + "#frag", "postgres://h/x?sslpassword=REDACTED#frag"},
		{"host=h password=" + pw + " user=app", "host=h password=REDACTED user=app"},
		{"host=h password = " + pw + " user=app", "host=h password = REDACTED user=app"},
		{"host=h password='two " + pw + " words' user=app", "host=h password=REDACTED user=app"},
		{`host=h password='it\'s ` + pw + `' user=app`, "host=h password=REDACTED user=app"},
		{"host=h PASSWORD=" + pw, "host=h PASSWORD=REDACTED"},
		{"PGPASSWORD=" + pw + " jbcheck run", "PGPASSWORD=REDACTED jbcheck run"},
		{"connecting to `user=app database=x`: failed", "connecting to `user=app database=x`: failed"},
		{"postgres://app@h/x", "postgres://app@h/x"},
		{"password authentication failed for user \"app\"", "password authentication failed for user \"app\""},
		{"mypassword=1", "mypassword=1"},
	}
	for _, tt := range tests {
		got := String(tt.in)
		if got != tt.want {
			t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, pw) {
			t.Errorf("String(%q) keeps the password", tt.in)
		}
		if Contains(tt.in) != (got != tt.in) {
			t.Errorf("Contains(%q) = %v", tt.in, Contains(tt.in))
		}
	}
}

// TestCommandQuotesForTheShell: every argument comes back from sh as it
// went in, the passwords masked.
func TestCommandQuotesForTheShell(t *testing.T) {
	args := []string{"jbcheck", "explore", "--scenario", "c0: join(u0,g0); c1: join(u0,g0)", "--dsn",
		"host=/tmp/x password='a b" + pw + "' user=app", "--out", "it's here", "", "--dsn=postgres://u:" + pw + "@h/d"}
	line := Command(args)
	if strings.Contains(line, pw) {
		t.Fatalf("the command line keeps the password: %s", line)
	}
	out, err := exec.Command("/bin/sh", "-c", `eval "set -- $1"; for a in "$@"; do printf '[%s]\n' "$a"; done`, "sh", line).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, a := range args {
		want.WriteString("[" + String(a) + "]\n")
	}
	if string(out) != want.String() {
		t.Errorf("sh reads %q back as\n%s\nwant\n%s", line, out, want.String())
	}
}
