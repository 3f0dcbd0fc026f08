package spec

import (
	"fmt"
	"unicode/utf8"
)

// The scanner follows isolationtester's (specscanner.l): keywords are exact
// and lower case, identifiers have no case folding, "#" starts a comment
// outside SQL blocks, a SQL block ends at the first "}" whatever surrounds
// it, and only spaces, tabs, CR and FF are trimmed after "{" and before "}".

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokSQL
	tokInt
	tokComma
	tokLParen
	tokRParen
	tokStar
	tokNotices
	tokPermutation
	tokSession
	tokSetup
	tokStep
	tokTeardown
)

var keywords = map[string]tokKind{
	"notices": tokNotices, "permutation": tokPermutation, "session": tokSession,
	"setup": tokSetup, "step": tokStep, "teardown": tokTeardown,
}

func isKeyword(s string) bool { _, ok := keywords[s]; return ok }

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "the end of the file"
	case tokIdent:
		return "a name"
	case tokSQL:
		return "a { SQL } block"
	case tokInt:
		return "a number"
	case tokComma:
		return `","`
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokStar:
		return `"*"`
	}
	for word, kind := range keywords {
		if kind == k {
			return fmt.Sprintf("%q", word)
		}
	}
	return "?"
}

type token struct {
	kind   tokKind
	text   string // a name (unquoted), a block's SQL, a number's digits
	quoted bool
	pos    Pos
}

func (t token) describe() string {
	switch t.kind {
	case tokIdent:
		if t.quoted {
			return fmt.Sprintf("the name %s", quoteName(t.text))
		}
		return fmt.Sprintf("the name %q", t.text)
	case tokInt:
		return fmt.Sprintf("the number %s", t.text)
	}
	return t.kind.String()
}

type scanner struct {
	file string
	src  string
	off  int
	line int
	col  int // of src[off], counted in characters
}

func newScanner(file, src string) *scanner { return &scanner{file: file, src: src, line: 1, col: 1} }

func isIdentStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80 || c == '_'
}

func isIdentCont(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' }

// advance moves past n bytes, keeping line and column.
func (s *scanner) advance(n int) {
	for range n {
		c := s.src[s.off]
		s.off++
		switch {
		case c == '\n':
			s.line, s.col = s.line+1, 1
		case c < 0x80 || c >= 0xC0: // not a UTF-8 continuation byte
			s.col++
		}
	}
}

func (s *scanner) pos() Pos { return Pos{s.line, s.col} }

func (s *scanner) errorf(p Pos, hint, format string, args ...any) error {
	return &Error{File: s.file, Pos: p, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// next returns the next token.
func (s *scanner) next() (token, error) {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '\n' || isSpace(c):
			s.advance(1)
		case c == '#':
			for s.off < len(s.src) && s.src[s.off] != '\n' && s.src[s.off] != '\r' {
				s.advance(1)
			}
		default:
			return s.token()
		}
	}
	return token{kind: tokEOF, pos: s.pos()}, nil
}

func (s *scanner) token() (token, error) {
	start := s.pos()
	c := s.src[s.off]
	switch {
	case isIdentStart(c):
		end := s.off + 1
		for end < len(s.src) && isIdentCont(s.src[end]) {
			end++
		}
		word := s.src[s.off:end]
		s.advance(end - s.off)
		if k, ok := keywords[word]; ok {
			return token{kind: k, text: word, pos: start}, nil
		}
		return token{kind: tokIdent, text: word, pos: start}, nil
	case c >= '0' && c <= '9':
		end := s.off
		for end < len(s.src) && s.src[end] >= '0' && s.src[end] <= '9' {
			end++
		}
		digits := s.src[s.off:end]
		s.advance(end - s.off)
		return token{kind: tokInt, text: digits, pos: start}, nil
	case c == '"':
		return s.quoted(start)
	case c == '{':
		return s.sqlBlock(start)
	case c == ',':
		s.advance(1)
		return token{kind: tokComma, pos: start}, nil
	case c == '(':
		s.advance(1)
		return token{kind: tokLParen, pos: start}, nil
	case c == ')':
		s.advance(1)
		return token{kind: tokRParen, pos: start}, nil
	case c == '*':
		s.advance(1)
		return token{kind: tokStar, pos: start}, nil
	}
	r, _ := utf8.DecodeRuneInString(s.src[s.off:])
	hint := ""
	switch c {
	case ';':
		hint = `a ";" belongs inside a { SQL } block`
	case '}':
		hint = `a SQL block ends at its first "}", so no "}" can be written inside one`
	case '-', '/':
		hint = `comments outside SQL blocks start with "#"`
	}
	return token{}, s.errorf(start, hint, "unexpected character %q", string(r))
}

// quoted reads "name", where "" stands for one ".
func (s *scanner) quoted(start Pos) (token, error) {
	s.advance(1)
	var name []byte
	for {
		if s.off >= len(s.src) {
			return token{}, s.errorf(start, `close the name with "`, "unterminated quoted identifier")
		}
		c := s.src[s.off]
		switch {
		case c == '\n':
			return token{}, s.errorf(s.pos(), `a quoted name must end on the line it starts`, "unexpected newline in quoted identifier")
		case c == '"' && s.off+1 < len(s.src) && s.src[s.off+1] == '"':
			name = append(name, '"')
			s.advance(2)
		case c == '"':
			s.advance(1)
			return token{kind: tokIdent, text: string(name), quoted: true, pos: start}, nil
		default:
			name = append(name, c)
			s.advance(1)
		}
	}
}

// sqlBlock reads { SQL }: everything up to the first "}", trimmed of
// spaces, tabs, CR and FF (not newlines) at both ends.
func (s *scanner) sqlBlock(start Pos) (token, error) {
	s.advance(1)
	for s.off < len(s.src) && isSpace(s.src[s.off]) {
		s.advance(1)
	}
	from := s.off
	end := from
	for end < len(s.src) && s.src[end] != '}' {
		end++
	}
	if end == len(s.src) {
		return token{}, s.errorf(start, `a SQL block ends at the first "}"; there is none after this "{"`, "unterminated SQL block")
	}
	text := s.src[from:end]
	trimmed := len(text)
	for trimmed > 0 && isSpace(text[trimmed-1]) {
		trimmed--
	}
	s.advance(end + 1 - s.off)
	return token{kind: tokSQL, text: text[:trimmed], pos: start}, nil
}
