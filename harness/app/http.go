package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"jbcheck.dev/jbcheck/model"
)

// call is one operation's HTTP request, made from its Operation and the
// model's call.
type call struct {
	op    Operation
	in    model.Input
	req   *http.Request
	label string // the transcript's line: "POST /worlds/7/groups/g0/join  [X-User: u0]"
}

// fields are a call's placeholders' values.
func fields(in model.Input) map[string]string {
	return map[string]string{"world": strconv.FormatInt(in.World, 10), "user": in.User, "group": in.Group,
		"to": in.To, "amount": strconv.FormatInt(in.Amount, 10)}
}

// newCall builds the request of in against the service at base.
func (c *Config) newCall(ctx context.Context, base string, in model.Input) (*call, error) {
	op, ok := c.Operations[c.opName(in)]
	if !ok {
		return nil, c.Supports(in)
	}
	f := fields(in)
	fillPath := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string { return url.PathEscape(f[m[1:len(m)-1]]) })
	}
	fillText := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string { return f[m[1:len(m)-1]] })
	}
	var body io.Reader
	var bodyText string
	if op.Body != nil {
		data, err := json.Marshal(fillBody(op.Body, f, fillText))
		if err != nil {
			return nil, err
		}
		body, bodyText = bytes.NewReader(data), string(data)
	}
	path := fillPath(op.path)
	req, err := http.NewRequestWithContext(ctx, op.method, base+path, body)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, k := range slices.Sorted(maps.Keys(op.Headers)) {
		v := fillText(op.Headers[k])
		req.Header.Set(k, v)
		notes = append(notes, k+": "+v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		notes = append(notes, bodyText)
	}
	label := op.method + " " + path
	if len(notes) > 0 {
		label += "  [" + strings.Join(notes, " ") + "]"
	}
	return &call{op: op, in: in, req: req, label: label}, nil
}

// fillBody fills a JSON body template: a string that is one placeholder
// of a number becomes that number.
func fillBody(v any, f map[string]string, fill func(string) string) any {
	switch v := v.(type) {
	case string:
		if m := placeholder.FindStringSubmatch(v); m != nil && m[0] == v && m[1] == "amount" {
			n, _ := strconv.ParseInt(f["amount"], 10, 64)
			return n
		}
		return fill(v)
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = fillBody(e, f, fill)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = fillBody(e, f, fill)
		}
		return out
	}
	return v
}

// answer is an HTTP answer as read: the status and the body.
type answer struct {
	status int
	body   []byte
	err    error // the request failed: no answer
}

// send makes the request and reads the whole answer.
func send(client *http.Client, req *http.Request) answer {
	res, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: body, err: err}
}

// ErrUnexpectedAnswer is wrapped by the error of a call whose HTTP answer
// no Answer of its operation matches: whether it happened is unknown.
var ErrUnexpectedAnswer = errors.New("an answer the config does not map")

// output maps a's answer to the model's output; an answer none of the
// operation's Answers matches is the call's error.
func (cl *call) output(a answer) (model.Output, error) {
	if a.err != nil {
		return model.Output{}, fmt.Errorf("%s: %w", cl.label, a.err)
	}
	var body map[string]any
	_ = json.Unmarshal(a.body, &body) // a body that is no JSON object matches only answers that ask nothing of it
	for _, ans := range cl.op.Answers {
		if ans.Status != a.status || !matches(body, ans.Body) {
			continue
		}
		switch {
		case ans.Result != "":
			return model.Output{Result: model.Result(ans.Result)}, nil
		case ans.Amount != "":
			n, ok := body[ans.Amount].(float64)
			if !ok || n != float64(int64(n)) {
				return model.Output{}, fmt.Errorf("%w: %s answered %d with %q: field %q is not a whole number", ErrUnexpectedAnswer, cl.label, a.status, a.body, ans.Amount)
			}
			return model.Output{Amount: int64(n)}, nil
		case ans.Members != "":
			list, ok := body[ans.Members].([]any)
			members := []string{}
			for _, m := range list {
				s, isText := m.(string)
				ok = ok && isText
				members = append(members, s)
			}
			if !ok {
				return model.Output{}, fmt.Errorf("%w: %s answered %d with %q: field %q is not a list of names", ErrUnexpectedAnswer, cl.label, a.status, a.body, ans.Members)
			}
			slices.Sort(members)
			return model.Output{Members: members}, nil
		}
	}
	return model.Output{}, fmt.Errorf("%w: %s answered %d %s", ErrUnexpectedAnswer, cl.label, a.status, bytes.TrimSpace(a.body))
}

// matches reports whether body has every field of want, with its value.
func matches(body, want map[string]any) bool {
	for k, v := range want {
		got, ok := body[k]
		if !ok || fmt.Sprint(got) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// progressed reads a background round's answer: whether the field named
// says it changed something (a number > 0, or true).
func progressed(a answer, field string) bool {
	if field == "" {
		return false
	}
	var body map[string]any
	if json.Unmarshal(a.body, &body) != nil {
		return false
	}
	switch v := body[field].(type) {
	case float64:
		return v > 0
	case bool:
		return v
	}
	return false
}
