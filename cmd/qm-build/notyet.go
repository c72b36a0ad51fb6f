package main

import "errors"

// PLACEHOLDER: removed once every command is implemented.
var errNotYet = errors.New("not implemented yet")
