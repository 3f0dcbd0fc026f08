// Package redact removes passwords from connection strings and command lines
// before jbcheck writes or prints them: a history's header, a report, a log
// line and an error message must never carry the password of a --dsn.
package redact

import (
	"regexp"
	"strings"
)

// Mask replaces every password.
const Mask = "REDACTED"

var (
	// url is a postgres:// or postgresql:// URL's authority: the user
	// information is what comes before its last @.
	url = regexp.MustCompile(`(?i)(postgres(?:ql)?://)([^/?#\s]*)`)
	// param is a password setting: a query parameter of a URL (after ? or
	// &, ending at the next & or #), or a key=value pair of a libpq
	// connection string (spaces around =, a value quoted with ' and
	// backslash escapes, or unquoted to the next space). PGPASSWORD= is
	// caught too.
	param = regexp.MustCompile(`(?i)(^|[^a-z0-9_])((?:pg|ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]*)`)
)

// String returns s with every password it carries replaced by Mask: the
// password of a postgres:// URL (user:PASSWORD@host), a password= or
// sslpassword= query parameter, and a password or sslpassword key of a
// key=value connection string, quoted or not. Nothing else changes.
func String(s string) string {
	s = url.ReplaceAllStringFunc(s, func(m string) string {
		sub := url.FindStringSubmatch(m)
		scheme, authority := sub[1], sub[2]
		at := strings.LastIndex(authority, "@")
		if at < 0 {
			return m
		}
		user, _, hasPassword := strings.Cut(authority[:at], ":")
		if !hasPassword {
			return m
		}
		return scheme + user + ":" + Mask + authority[at:]
	})
	return param.ReplaceAllStringFunc(s, func(m string) string {
		sub := param.FindStringSubmatch(m)
		before, key, value := sub[1], sub[2], sub[3]
		if before == "?" || before == "&" {
			// A URL's query: the value ends at the next parameter.
			if i := strings.IndexAny(value, "&#"); i >= 0 {
				return before + key + Mask + value[i:]
			}
		}
		return before + key + Mask
	})
}

// Contains reports whether s carries a password String would mask.
func Contains(s string) bool { return String(s) != s }

// Command writes args back as one command line a POSIX shell reads as the
// same arguments, with String applied to each.
func Command(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		a = String(a)
		if a == "" || strings.ContainsAny(a, " \t\n;&|<>()\"'$`\\*?[]{}~#!") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// Args is args with String applied to each.
func Args(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = String(a)
	}
	return out
}
