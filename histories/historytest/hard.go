package historytest

import (
	"fmt"
	"strings"
)

// Hard is a history of one world porcupine cannot settle: forty deposits
// of different amounts, all concurrent, then a balance no subset of them
// makes. Each subset is a state of its own, 2^40 of them: a check of it
// runs until its timeout or its cancellation.
func Hard() string {
	var b strings.Builder
	b.WriteString(`{"format":"jbcheck-history","version":1,"variant":"locking","mode":"stress","worlds":{"1":{"users":[{"name":"u0","opening":0}],"groups":[]}},"started":"2026-11-28T00:00:00Z"}` + "\n")
	const n = 40
	for i := range n {
		fmt.Fprintf(&b, `{"type":"invoke","client":%d,"world":1,"op":"deposit","input":{"user":"u0","amount":%d},"time":%d}`+"\n", i, int64(1)<<i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, `{"type":"ok","client":%d,"world":1,"op":"deposit","output":{"result":"ok"},"time":%d}`+"\n", i, 100+i)
	}
	fmt.Fprintf(&b, `{"type":"invoke","client":%d,"world":1,"op":"balance","input":{"user":"u0"},"time":200}`+"\n", n)
	fmt.Fprintf(&b, `{"type":"ok","client":%d,"world":1,"op":"balance","output":{"amount":-1},"time":201}`+"\n", n)
	return b.String()
}
