package app

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/model"
)

// Config is an application under jbcheck: how to start it, which tables it
// uses, and how each operation of the protocol maps to an HTTP request and
// its answer to the model's output (docs/real-apps.md).
type Config struct {
	// Name names the application in reports and histories ("node-service-flaky").
	Name string `json:"name"`
	// Service is how to start it.
	Service Service `json:"service"`
	// Tables is DDL run after jbcheck's own schema.sql in the application's
	// schema (a path relative to the config file; "" for none).
	Tables string `json:"tables"`
	// Operations maps an operation of the protocol (join, leave, deposit,
	// transfer, balance, pot_balance, members) to its HTTP call.
	Operations map[string]Operation `json:"operations"`
	// Background, when set, is the application's background job, run as
	// one more participant of every schedule.
	Background *Background `json:"background"`

	path string // the file, for errors
	dir  string // its directory: relative paths start there
}

// Service is how to start the application.
type Service struct {
	// Command is the program and its arguments.
	Command []string `json:"command"`
	// Dir is its working directory, relative to the config file.
	Dir string `json:"dir"`
	// Env is added to jbcheck's environment. Values may use {port} (the
	// port the service must listen on, on 127.0.0.1) and {database_url}
	// (the relay's URL, with the application's schema as search_path).
	Env map[string]string `json:"env"`
	// Ready is the request that answers 2xx once the service is up
	// ("GET /health"), polled at start only.
	Ready string `json:"ready"`
	// StartSeconds bounds the wait for Ready (default 30).
	StartSeconds int `json:"start_seconds"`
	// SilenceSeconds bounds the wait, during a call, for the service's
	// next statement or its answer (default 60): a service stuck there (a
	// pool with fewer connections than the participants) is an error.
	SilenceSeconds int `json:"silence_seconds"`
}

// silence is the bound Service.SilenceSeconds sets.
func (c *Config) silence() time.Duration {
	return time.Duration(cmp.Or(c.Service.SilenceSeconds, 60)) * time.Second
}

// Operation is one operation's HTTP call.
type Operation struct {
	// Request is "METHOD /path", with placeholders {world}, {user},
	// {group}, {to} and {amount} filled in from the call.
	Request string `json:"request"`
	// Headers are sent with the request, with the same placeholders.
	Headers map[string]string `json:"headers"`
	// Body is sent as JSON; a string that is one placeholder of a number
	// ("{amount}") is sent as that number.
	Body any `json:"body"`
	// Answers map the HTTP answer to the model's output; the first that
	// matches decides. An answer none matches is a call whose outcome is
	// unknown (it may have happened).
	Answers []Answer `json:"answers"`

	method, path string
}

// Answer is one HTTP answer an operation may get.
type Answer struct {
	// Status is the HTTP status.
	Status int `json:"status"`
	// Body, when set, holds fields the JSON body must have, with these values.
	Body map[string]any `json:"body"`
	// Result is the model's result for it (joined, already_member, …).
	Result string `json:"result"`
	// Amount names the JSON field that holds the answer of balance.
	Amount string `json:"amount"`
	// Members names the JSON field that holds the answer of members.
	Members string `json:"members"`
}

// Background is how to run the application's background job once: a
// request whose answer comes when the round is over.
type Background struct {
	// Trigger is "METHOD /path".
	Trigger string `json:"trigger"`
	// Progressed names the JSON field of the answer that says whether the
	// round changed anything (a number > 0 or true). Without it a round
	// counts as having changed nothing: the job then runs again only after
	// another participant changed something.
	Progressed string `json:"progressed"`

	method, path string
}

// ErrConfig is wrapped by every error about a config file.
var ErrConfig = errors.New("bad app config")

// operationOf maps the config's operation names to the model's.
var operationOf = map[string]model.Op{
	"join": model.OpJoin, "leave": model.OpLeave, "deposit": model.OpDeposit, "transfer": model.OpTransfer,
	"balance": model.OpBalance, "pot_balance": model.OpBalance, "members": model.OpMembers,
}

var placeholders = map[string]bool{"world": true, "user": true, "group": true, "to": true, "amount": true}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Load reads a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return Parse(path, data)
}

// Parse reads a config from data; path names it in errors and is where
// relative paths start.
func Parse(path string, data []byte) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c := &Config{path: path, dir: filepath.Dir(abs)}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, decodeError(path, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: %s:%d: more after the config's closing brace: expected one JSON object", ErrConfig, path, lineAt(data, dec.InputOffset()))
	}
	pos, err := positions(data)
	if err != nil {
		return nil, decodeError(path, data, err)
	}
	bad := func(at, format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s: %s", ErrConfig, path, lineAt(data, pos.of(at)), at, fmt.Sprintf(format, args...))
	}
	return c, c.check(bad)
}

// check validates what the JSON decoder cannot.
func (c *Config) check(bad func(at, format string, args ...any) error) error {
	if c.Name == "" {
		return bad("name", "expected the application's name")
	}
	if len(c.Service.Command) == 0 || c.Service.Command[0] == "" {
		return bad("service.command", `expected the program and its arguments, such as ["node", "src/server.js"]`)
	}
	if c.Service.StartSeconds < 0 {
		return bad("service.start_seconds", "expected a number of seconds ≥ 0 (0: the default, 30)")
	}
	if c.Service.SilenceSeconds < 0 {
		return bad("service.silence_seconds", "expected a number of seconds ≥ 0 (0: the default, 60)")
	}
	for k, v := range c.Service.Env {
		for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
			if m[1] != "port" && m[1] != "database_url" {
				return bad("service.env."+k, "unknown placeholder {%s}: expected {port} or {database_url}", m[1])
			}
		}
	}
	if c.Service.Ready == "" {
		return bad("service.ready", `expected the request that answers once the service is up, such as "GET /health"`)
	}
	if _, _, err := requestLine(c.Service.Ready); err != nil {
		return bad("service.ready", "%v", err)
	}
	if len(c.Operations) == 0 {
		return bad("operations", "expected at least one operation (%s)", strings.Join(opNames(), ", "))
	}
	for _, name := range slices.Sorted(maps.Keys(c.Operations)) {
		op := c.Operations[name]
		at := "operations." + name
		if _, ok := operationOf[name]; !ok {
			return bad(at, "unknown operation: expected one of %s", strings.Join(opNames(), ", "))
		}
		var err error
		if op.method, op.path, err = requestLine(op.Request); err != nil {
			return bad(at+".request", "%v", err)
		}
		texts := []string{op.Request}
		for _, h := range op.Headers {
			texts = append(texts, h)
		}
		texts = append(texts, bodyStrings(op.Body)...)
		for _, t := range texts {
			for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
				if !placeholders[m[1]] {
					return bad(at, "unknown placeholder {%s}: expected {world}, {user}, {group}, {to} or {amount}", m[1])
				}
			}
		}
		if len(op.Answers) == 0 {
			return bad(at+".answers", "expected the answers the operation may get, such as [{\"status\": 200, \"result\": \"joined\"}]")
		}
		for i, a := range op.Answers {
			if err := checkAnswer(operationOf[name], a); err != nil {
				return bad(fmt.Sprintf("%s.answers.%d", at, i), "%v", err)
			}
		}
		c.Operations[name] = op
	}
	if b := c.Background; b != nil {
		var err error
		if b.method, b.path, err = requestLine(b.Trigger); err != nil {
			return bad("background.trigger", "%v", err)
		}
	}
	return nil
}

// checkAnswer checks that a says what op's output is.
func checkAnswer(op model.Op, a Answer) error {
	if a.Status < 100 || a.Status > 599 {
		return fmt.Errorf("expected an HTTP status (100–599), got %d", a.Status)
	}
	switch op {
	case model.OpBalance:
		if a.Amount == "" || a.Result != "" || a.Members != "" {
			return errors.New(`expected "amount": the JSON field holding the balance`)
		}
	case model.OpMembers:
		if a.Members == "" || a.Result != "" || a.Amount != "" {
			return errors.New(`expected "members": the JSON field holding the member list`)
		}
	default:
		if !slices.Contains(resultsOf[op], model.Result(a.Result)) || a.Amount != "" || a.Members != "" {
			return fmt.Errorf(`expected "result": one of %s`, joinResults(resultsOf[op]))
		}
	}
	return nil
}

// resultsOf lists the results each writing operation can return.
var resultsOf = map[model.Op][]model.Result{
	model.OpJoin:     {model.Joined, model.AlreadyMember, model.Full, model.InsufficientFunds},
	model.OpLeave:    {model.Left, model.NotMember},
	model.OpDeposit:  {model.OK},
	model.OpTransfer: {model.OK, model.InsufficientFunds},
}

func joinResults(rs []model.Result) string {
	var s []string
	for _, r := range rs {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

// requestLine reads "METHOD /path".
func requestLine(s string) (method, path string, err error) {
	method, path, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok || !regexp.MustCompile(`^[A-Z]+$`).MatchString(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t") {
		return "", "", fmt.Errorf("expected \"METHOD /path\", such as \"POST /groups/{group}/join\", got %q", s)
	}
	return method, path, nil
}

// bodyStrings lists every string in a JSON body, for the placeholder check.
func bodyStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for _, e := range v {
			out = append(out, bodyStrings(e)...)
		}
		return out
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, bodyStrings(e)...)
		}
		return out
	}
	return nil
}

func opNames() []string { return slices.Sorted(maps.Keys(operationOf)) }

// Supports reports whether the application has an HTTP call for in, and
// if not, why (for a scenario that uses an operation it lacks).
func (c *Config) Supports(in model.Input) error {
	if _, ok := c.Operations[c.opName(in)]; !ok {
		return fmt.Errorf("%w: %s: the application %s (%s) has no %q operation: add it under \"operations\", or leave %s out of the scenario",
			ErrConfig, in, c.Name, c.path, c.opName(in), in.Op)
	}
	return nil
}

// CheckScenario reports the first call of sc the application does not support.
func (c *Config) CheckScenario(sc model.Scenario) error {
	for i, calls := range sc.Clients {
		for j, in := range calls {
			if err := c.Supports(in); err != nil {
				return fmt.Errorf("client c%d, call %d: %w", i, j+1, err)
			}
		}
	}
	return nil
}

// opName is the config's name of in's operation.
func (c *Config) opName(in model.Input) string {
	if in.Op == model.OpBalance && in.Group != "" {
		return "pot_balance"
	}
	return string(in.Op)
}

// Path is the config file.
func (c *Config) Path() string { return c.path }

// resolve makes a path relative to the config file absolute.
func (c *Config) resolve(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}
