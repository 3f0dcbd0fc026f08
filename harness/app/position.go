package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// offsets maps a value's path in a JSON document ("operations.join.request",
// "operations.join.answers.0") to the offset where it starts: errors about
// a value name its line.
type offsets map[string]int64

// of is the offset of path's value, or of its nearest enclosing value
// present in the file.
func (o offsets) of(path string) int64 {
	for {
		if off, ok := o[path]; ok {
			return off
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return o[""]
		}
		path = path[:i]
	}
}

// positions walks data's tokens and records where each value starts.
func positions(data []byte) (offsets, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	o := offsets{}
	var walk func(path string) error
	walk = func(path string) error {
		// The value starts after the whitespace that follows the last token.
		start := dec.InputOffset()
		for start < int64(len(data)) && strings.ContainsRune(" \t\r\n:,", rune(data[start])) {
			start++
		}
		o[path] = start
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		join := func(k string) string {
			if path == "" {
				return k
			}
			return path + "." + k
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				if err := walk(join(key.(string))); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(join(strconv.Itoa(i))); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	return o, walk("")
}

// lineAt is the 1-based line of offset in data.
func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// decodeError is a JSON decoding error with its file and line, and what to do.
func decodeError(path string, data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: %s:%d: not valid JSON: %v", ErrConfig, path, lineAt(data, syntax.Offset), syntax)
	case errors.As(err, &typ):
		return fmt.Errorf("%w: %s:%d: %s: expected %s, got JSON %s", ErrConfig, path, lineAt(data, typ.Offset), typ.Field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		line := 0
		if i := bytes.Index(data, []byte(strconv.Quote(field))); i >= 0 {
			line = lineAt(data, int64(i))
		}
		return fmt.Errorf("%w: %s:%d: unknown field %q (the fields are in docs/real-apps.md)", ErrConfig, path, line, field)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %s:%d: the JSON ends too soon: a brace or bracket is not closed", ErrConfig, path, lineAt(data, int64(len(data))))
	}
	return fmt.Errorf("%w: %s: %v", ErrConfig, path, err)
}
