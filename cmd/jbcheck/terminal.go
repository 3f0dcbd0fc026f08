package main

import (
	"os"
	"syscall"
	"unsafe"
)

// isTerminal reports whether f is a terminal, for progress lines: a
// terminal answers the TCGETS ioctl, which /dev/null and other character
// devices do not (a character-device check alone takes /dev/null for one).
func isTerminal(f *os.File) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// terminalWidth is f's width in columns, or fallback when it has none.
func terminalWidth(f *os.File, fallback int) int {
	var ws struct{ rows, cols, x, y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws)))
	if errno != 0 || ws.cols == 0 {
		return fallback
	}
	return int(ws.cols)
}

// colorAllowed: escape sequences that color text only on a terminal and
// never when NO_COLOR is set to anything (https://no-color.org). The
// status line's carriage return and erase-line are no color: they stay.
func colorAllowed(f *os.File) bool {
	return os.Getenv("NO_COLOR") == "" && isTerminal(f)
}

// paint colors s green (ok) or red on a terminal that allows color.
func paint(f *os.File, s string, ok bool) string {
	if !colorAllowed(f) {
		return s
	}
	if ok {
		return "\033[32m" + s + "\033[0m"
	}
	return "\033[1;31m" + s + "\033[0m"
}

// shorten cuts s to at most n bytes at a word boundary, marking the cut
// with "…"; a word is never cut (a first word longer than n is kept whole).
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := -1
	for i := 0; i < len(s) && i <= n-len("…"); i++ {
		if s[i] == ' ' {
			cut = i
		}
	}
	if cut <= 0 {
		end := len(s)
		for i, r := range s {
			if r == ' ' {
				end = i
				break
			}
		}
		if end == len(s) {
			return s
		}
		return s[:end] + "…"
	}
	return s[:cut] + "…"
}
