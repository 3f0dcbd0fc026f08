package wire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"time"
)

const (
	// bufSize is each direction's read buffer.
	bufSize = 32 << 10
	// maxMessage bounds one message (PostgreSQL's own limit is 1 GB).
	maxMessage = 1 << 30
	// flushAt is how much a direction gathers at most before writing.
	flushAt = 64 << 10
	// cancelTimeout bounds forwarding a cancel request to the server.
	cancelTimeout = 10 * time.Second
)

// readFrame appends the next message from r — its type byte, length and
// body, as they came — to buf, and returns its type. Messages are relayed
// as bytes: only the few the relay must understand are decoded.
func readFrame(r *bufio.Reader, buf []byte) ([]byte, byte, error) {
	hdr, err := r.Peek(5)
	if err != nil {
		return buf, 0, err
	}
	typ := hdr[0]
	n := int(binary.BigEndian.Uint32(hdr[1:]))
	if n < 4 || n > maxMessage {
		return buf, 0, fmt.Errorf("message %q with length %d: not the PostgreSQL protocol", typ, n)
	}
	start := len(buf)
	buf = slices.Grow(buf, n+1)[:start+n+1]
	if _, err := io.ReadFull(r, buf[start:]); err != nil {
		return buf[:start], 0, err
	}
	return buf, typ, nil
}

// readStartup reads a startup-phase packet (no type byte): its body.
func readStartup(r *bufio.Reader) ([]byte, error) {
	hdr, err := r.Peek(4)
	if err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr))
	if n < 8 || n > 10_000 {
		return nil, fmt.Errorf("startup packet with length %d: not the PostgreSQL protocol", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf[4:], nil
}

// frames calls f with each message of a run of whole messages.
func frames(msgs []byte, f func(typ byte, body []byte)) {
	for len(msgs) >= 5 {
		n := int(binary.BigEndian.Uint32(msgs[1:5]))
		f(msgs[0], msgs[5:1+n])
		msgs = msgs[1+n:]
	}
}

// cstring is a message's NUL-terminated string at the start of b.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
