package spec

import (
	"fmt"
	"os"
	"strconv"
)

// Error is a problem in a spec, at a place in its file.
type Error struct {
	File string
	Pos  Pos
	Msg  string
	Hint string // how to fix it, if there is more to say
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
	if e.Hint != "" {
		s += "\n\thint: " + e.Hint
	}
	return s
}

// ParseFile reads and parses a spec file.
func ParseFile(path string) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(src))
}

// Parse parses a spec in isolationtester's grammar — setup blocks, at most
// one teardown, one or more sessions (each: an optional setup, one or more
// steps, an optional teardown), then permutation lines — and checks it as
// isolationtester does (unique step names, permutations naming known steps,
// markers naming a step of the same line and of another session).
func Parse(file, src string) (*Spec, error) {
	p := &parser{sc: newScanner(file, src)}
	if err := p.advance(); err != nil {
		return nil, err
	}
	s, err := p.spec()
	if err != nil {
		return nil, err
	}
	s.File = file
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct {
	sc  *scanner
	tok token
}

func (p *parser) advance() error {
	t, err := p.sc.next()
	p.tok = t
	return err
}

func (p *parser) errorf(t token, hint, format string, args ...any) error {
	return p.sc.errorf(t.pos, hint, format, args...)
}

// expect consumes a token of kind k, or says what was wanted.
func (p *parser) expect(k tokKind, what, hint string) (token, error) {
	t := p.tok
	if t.kind != k {
		return t, p.errorf(t, hint, "expected %s, found %s", what, t.describe())
	}
	return t, p.advance()
}

func (p *parser) name(after string) (token, error) {
	hint := ""
	if isKeyword(p.tok.text) && p.tok.kind != tokIdent {
		hint = fmt.Sprintf(`%q is a keyword: write "%s" to use it as a name`, p.tok.text, p.tok.text)
	}
	return p.expect(tokIdent, "a name after "+after, hint)
}

func (p *parser) block(after string) (*Block, error) {
	t, err := p.expect(tokSQL, "a { SQL } block after "+after, "")
	if err != nil {
		return nil, err
	}
	return &Block{SQL: t.text, Pos: t.pos}, nil
}

func (p *parser) spec() (*Spec, error) {
	s := &Spec{}
	for p.tok.kind == tokSetup {
		if err := p.advance(); err != nil {
			return nil, err
		}
		b, err := p.block(`"setup"`)
		if err != nil {
			return nil, err
		}
		s.Setups = append(s.Setups, b)
	}
	if p.tok.kind == tokTeardown {
		if err := p.advance(); err != nil {
			return nil, err
		}
		b, err := p.block(`"teardown"`)
		if err != nil {
			return nil, err
		}
		s.Teardown = b
	}
	for p.tok.kind == tokSession {
		sess, err := p.session(len(s.Sessions))
		if err != nil {
			return nil, err
		}
		s.Sessions = append(s.Sessions, sess)
	}
	if len(s.Sessions) == 0 {
		hint := "a spec is: setup blocks, at most one teardown block, one or more sessions, then permutation lines"
		switch {
		case p.tok.kind == tokSetup && s.Teardown != nil:
			hint = "every setup block comes before the teardown block"
		case p.tok.kind == tokTeardown:
			hint = "a spec has at most one teardown block (sessions may have their own)"
		}
		return nil, p.errorf(p.tok, hint, `expected "session", found %s`, p.tok.describe())
	}
	for p.tok.kind == tokPermutation {
		perm, err := p.permutation()
		if err != nil {
			return nil, err
		}
		s.Permutations = append(s.Permutations, perm)
	}
	if p.tok.kind != tokEOF {
		hint := ""
		switch p.tok.kind {
		case tokSession:
			hint = "sessions come before the permutation lines"
		case tokSetup, tokTeardown:
			hint = "the spec's own setup and teardown blocks come before the sessions; a session's come right after its name (setup) or after its steps (teardown)"
		case tokStep:
			hint = "steps belong to a session: after its setup block, before its teardown block"
		}
		return nil, p.errorf(p.tok, hint, "unexpected %s", p.tok.describe())
	}
	return s, nil
}

func (p *parser) session(index int) (*Session, error) {
	if err := p.advance(); err != nil { // "session"
		return nil, err
	}
	t, err := p.name(`"session"`)
	if err != nil {
		return nil, err
	}
	sess := &Session{Name: t.text, Pos: t.pos, Index: index}
	if p.tok.kind == tokSetup {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if sess.Setup, err = p.block(`"setup"`); err != nil {
			return nil, err
		}
	}
	for p.tok.kind == tokStep {
		if err := p.advance(); err != nil {
			return nil, err
		}
		nt, err := p.name(`"step"`)
		if err != nil {
			return nil, err
		}
		b, err := p.block("step " + quoteName(nt.text))
		if err != nil {
			return nil, err
		}
		sess.Steps = append(sess.Steps, &Step{Name: nt.text, Pos: nt.pos, SQL: b.SQL, Session: index, Index: len(sess.Steps)})
	}
	if len(sess.Steps) == 0 {
		hint := "a session needs at least one step"
		if p.tok.kind == tokSetup {
			hint = "a session has at most one setup block, before its steps"
		}
		return nil, p.errorf(p.tok, hint, "expected \"step\" in session %s, found %s", quoteName(sess.Name), p.tok.describe())
	}
	if p.tok.kind == tokTeardown {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if sess.Teardown, err = p.block(`"teardown"`); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

func (p *parser) permutation() (*Permutation, error) {
	perm := &Permutation{Pos: p.tok.pos}
	if err := p.advance(); err != nil { // "permutation"
		return nil, err
	}
	steps, err := p.permSteps()
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		hint := "a permutation line lists one or more step names"
		if p.tok.kind != tokIdent && isKeyword(p.tok.text) {
			hint = fmt.Sprintf(`%q is a keyword: write "%s" to use it as a step name`, p.tok.text, p.tok.text)
		}
		return nil, p.errorf(p.tok, hint, "expected a step name after \"permutation\", found %s", p.tok.describe())
	}
	perm.Steps = steps
	return perm, nil
}

// permSteps reads step names with their markers until something else.
func (p *parser) permSteps() ([]*PermStep, error) {
	var steps []*PermStep
	for p.tok.kind == tokIdent {
		ps := &PermStep{Name: p.tok.text, Pos: p.tok.pos}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tokLParen {
			if err := p.advance(); err != nil {
				return nil, err
			}
			for {
				b, err := p.blocker()
				if err != nil {
					return nil, err
				}
				ps.Blockers = append(ps.Blockers, b)
				if p.tok.kind != tokComma {
					break
				}
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
			if _, err := p.expect(tokRParen, `"," or ")" after a marker`, ""); err != nil {
				return nil, err
			}
		}
		steps = append(steps, ps)
	}
	return steps, nil
}

func (p *parser) blocker() (*Blocker, error) {
	t := p.tok
	switch t.kind {
	case tokStar:
		return &Blocker{Kind: BlockOnce, Pos: t.pos}, p.advance()
	case tokIdent:
		if err := p.advance(); err != nil {
			return nil, err
		}
		b := &Blocker{Kind: BlockOnStep, StepName: t.text, Pos: t.pos}
		if p.tok.kind != tokNotices {
			return b, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.expect(tokInt, `a number after "notices"`, `write "STEP notices N"`)
		if err != nil {
			return nil, err
		}
		b.Kind = BlockOnNotices
		if b.Notices, err = strconv.Atoi(n.text); err != nil {
			return nil, p.errorf(n, "", "the number %s is too large", n.text)
		}
		return b, nil
	}
	return nil, p.errorf(t, `markers are "*", a step name, or "STEP notices N"`, "expected a marker, found %s", t.describe())
}

// ParsePermutation parses a permutation line's steps ("s1a s2a(s1a) s1b(*)",
// with or without the word "permutation") against s and checks it as a
// permutation of s.
func (s *Spec) ParsePermutation(text string) (*Permutation, error) {
	p := &parser{sc: newScanner("permutation", text)}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokPermutation {
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	steps, err := p.permSteps()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF || len(steps) == 0 {
		return nil, p.errorf(p.tok, `a permutation is step names, each maybe with markers: "s1a s2a(s1a) s1b(*)"`, "expected a step name, found %s", p.tok.describe())
	}
	perm := &Permutation{Steps: steps, Pos: Pos{1, 1}}
	if err := s.linkPermutation(perm, "permutation"); err != nil {
		return nil, err
	}
	return perm, nil
}
