package app_test

import (
	"errors"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/app"
	"jbcheck.dev/jbcheck/model"
)

// TestExampleConfigsLoad: the example's two configs load, and say which
// operations the service supports.
func TestExampleConfigsLoad(t *testing.T) {
	for _, name := range []string{"flaky.json", "fixed.json"} {
		cfg, err := app.Load(example(name))
		if err != nil {
			t.Fatal(err)
		}
		sc, err := model.ParseScenario("c0: join(u0,g0) leave(u0,g0) deposit(u0,5) balance(u0) balance(g0)", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.CheckScenario(sc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestUnsupportedOperationIsAClearError: a scenario that calls an
// operation the config does not map is refused, naming the call and what
// to do.
func TestUnsupportedOperationIsAClearError(t *testing.T) {
	cfg, err := app.Load(example("flaky.json"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := model.ParseScenario("c0: join(u0,g0); c1: transfer(u0,u1,5)", "")
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckScenario(sc)
	if err == nil || !errors.Is(err, app.ErrConfig) {
		t.Fatalf("want a config error, got %v", err)
	}
	for _, want := range []string{"client c1, call 1", "transfer(u0,u1,5)", `no "transfer" operation`, "flaky.json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
}

// TestConfigErrorsNameTheLine: every mistake in a config file is reported
// with its file and line, and what was expected.
func TestConfigErrorsNameTheLine(t *testing.T) {
	const good = `{
  "name": "svc",
  "service": {
    "command": ["node", "server.js"],
    "env": {"DATABASE_URL": "{database_url}"},
    "ready": "GET /health"
  },
  "operations": {
    "join": {
      "request": "POST /groups/{group}/join",
      "answers": [{"status": 200, "result": "joined"}]
    }
  }
}`
	if _, err := app.Parse("svc.json", []byte(good)); err != nil {
		t.Fatalf("the good config: %v", err)
	}
	for _, c := range []struct {
		name, from, to, want string
	}{
		{"syntax", `"ready": "GET /health"`, `"ready": "GET /health",,`, "svc.json:6: not valid JSON"},
		{"unknown field", `"ready": "GET /health"`, `"ready": "GET /health", "redy": 1`, `svc.json:6: unknown field "redy"`},
		{"wrong type", `"command": ["node", "server.js"]`, `"command": "node server.js"`, "svc.json:4: service.command: expected []string"},
		{"no command", `"command": ["node", "server.js"]`, `"command": []`, "svc.json:4: service.command: expected the program"},
		{"bad env placeholder", `{database_url}`, `{db}`, "svc.json:5: service.env.DATABASE_URL: unknown placeholder {db}"},
		{"bad request line", `"POST /groups/{group}/join"`, `"POST groups/join"`, `svc.json:10: operations.join.request: expected "METHOD /path"`},
		{"unknown operation", `"join": {`, `"enrol": {`, "svc.json:9: operations.enrol: unknown operation"},
		{"bad placeholder", `/groups/{group}/join`, `/groups/{grp}/join`, "svc.json:9: operations.join: unknown placeholder {grp}"},
		{"bad result", `"result": "joined"`, `"result": "welcome"`, `svc.json:11: operations.join.answers.0: expected "result": one of joined`},
		{"bad status", `"status": 200`, `"status": 2000`, "svc.json:11: operations.join.answers.0: expected an HTTP status"},
		{"not closed", "\n}", "", "the JSON ends too soon"},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(good, c.from, c.to, 1)
			if text == good {
				t.Fatal("the test's replacement changed nothing")
			}
			_, err := app.Parse("svc.json", []byte(text))
			if err == nil || !errors.Is(err, app.ErrConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
		})
	}
	if _, err := app.Load("no-such-config.json"); err == nil || !errors.Is(err, app.ErrConfig) {
		t.Fatalf("a missing file: %v", err)
	}
}
