package interleave

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
)

// msg is one protocol message: its type and body.
func msg(typ byte, body string) []byte {
	m := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(m[1:], uint32(4+len(body)))
	return append(m, body...)
}

// TestPipeSwallowsTheRepliesOfWhatItSentAhead: a reset and a BEGIN held
// by the pipe go out ahead of the next statement, in one write; their
// replies are swallowed however the server's bytes are cut into reads,
// but for ParameterStatus, which pgx must see; the BEGIN is answered at
// once.
func TestPipeSwallowsTheRepliesOfWhatItSentAhead(t *testing.T) {
	client, server := net.Pipe()
	p := &pipe{Conn: client}
	p.ahead("RESET ALL")
	p.holdBegin()
	begin := msg('Q', "begin\x00")
	if n, err := p.Write(begin); err != nil || n != len(begin) {
		t.Fatalf("holding the BEGIN: %d, %v", n, err)
	}
	answer := make([]byte, 64)
	n, err := p.Read(answer)
	if err != nil || !bytes.Equal(answer[:n], beginReply) {
		t.Fatalf("the BEGIN's answer: %q, %v", answer[:n], err)
	}

	stmt := msg('Q', "SELECT 1\x00")
	sent := make(chan []byte)
	go func() {
		b := make([]byte, 256)
		n, _ := io.ReadAtLeast(server, b, 1)
		sent <- b[:n]
		// The reset's reply, the BEGIN's, then the statement's, one byte
		// at a time.
		reply := bytes.Join([][]byte{
			msg('C', "RESET\x00"), msg('S', "TimeZone\x00UTC\x00"), msg('Z', "I"),
			msg('C', "BEGIN\x00"), msg('Z', "T"),
			msg('T', "\x00\x00"), msg('C', "SELECT 1\x00"), msg('Z', "T"),
		}, nil)
		for i := range reply {
			server.Write(reply[i : i+1])
		}
	}()
	go p.Write(stmt)
	want := bytes.Join([][]byte{msg('Q', "RESET ALL\x00"), begin, stmt}, nil)
	if got := <-sent; !bytes.Equal(got, want) {
		t.Fatalf("one write should carry the reset, the BEGIN and the statement:\n got %q\nwant %q", got, want)
	}
	wantRead := bytes.Join([][]byte{msg('S', "TimeZone\x00UTC\x00"), msg('T', "\x00\x00"), msg('C', "SELECT 1\x00"), msg('Z', "T")}, nil)
	got := make([]byte, len(wantRead))
	if _, err := io.ReadFull(p, got); err != nil || !bytes.Equal(got, wantRead) {
		t.Fatalf("read %q, %v; want %q", got, err, wantRead)
	}
	if p.broken() {
		t.Fatal("no reply was an error")
	}
}

// TestPipeReportsAFailedReset: an error in a swallowed reply breaks the
// connection rather than pass unseen.
func TestPipeReportsAFailedReset(t *testing.T) {
	client, server := net.Pipe()
	p := &pipe{Conn: client}
	p.ahead("RESET ALL")
	go func() {
		io.ReadAtLeast(server, make([]byte, 256), 1)
		server.Write(append(msg('E', "SERROR\x00\x00"), msg('Z', "I")...))
	}()
	go p.Write(msg('Q', "SELECT 1\x00"))
	if _, err := p.Read(make([]byte, 64)); err != errPipeReset || !p.broken() {
		t.Fatalf("read: %v, broken %v; want %v", err, p.broken(), errPipeReset)
	}
}

// TestPipeSwallowsForAReaderAlreadyWaiting: pgx may leave a reader of its
// own waiting on an idle connection; a reset sent ahead after it began to
// wait is swallowed all the same, and a BEGIN is then sent, not answered
// by the pipe (the waiting reader would not see the answer).
func TestPipeSwallowsForAReaderAlreadyWaiting(t *testing.T) {
	client, server := net.Pipe()
	p := &pipe{Conn: client}
	got := make(chan []byte)
	go func() {
		b := make([]byte, 256)
		n, _ := p.Read(b)
		got <- b[:n]
	}()
	for {
		p.mu.Lock()
		reading := p.reading
		p.mu.Unlock()
		if reading {
			break
		}
	}
	p.ahead("RESET ALL")
	p.holdBegin()
	begin := msg('Q', "begin\x00")
	go p.Write(begin)
	want := append(msg('Q', "RESET ALL\x00"), begin...)
	b := make([]byte, 256)
	if n, _ := io.ReadAtLeast(server, b, len(want)); !bytes.Equal(b[:n], want) {
		t.Fatalf("sent %q, want %q", b[:n], want)
	}
	server.Write(bytes.Join([][]byte{msg('C', "RESET\x00"), msg('Z', "I"), msg('C', "BEGIN\x00"), msg('Z', "T")}, nil))
	if r := <-got; !bytes.Equal(r, append(msg('C', "BEGIN\x00"), msg('Z', "T")...)) {
		t.Fatalf("the waiting reader read %q, want the BEGIN's reply alone", r)
	}
}
