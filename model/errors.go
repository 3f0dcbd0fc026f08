package model

import "errors"

// ErrBadWorld reports a world description that cannot be used.
var ErrBadWorld = errors.New("bad world")

// ErrBadInput reports an operation that does not fit its world (an unknown
// user or group, a non-positive amount, a transfer to oneself).
var ErrBadInput = errors.New("bad input")
