package rpmspec

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error about bad model input (a drop-in file, a
// version, a relation). The CLI maps it to exit status 2.
var ErrInvalid = errors.New("invalid input")

// InputError is one problem in user input: the file and line where the format
// allows it, the field, and what is wrong.
type InputError struct {
	File  string // file name as given, or "" for flags
	Line  int    // 1-based, 0 when unknown
	Field string // e.g. "files[2].mode", or a flag such as "--qm-version"
	Msg   string
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *InputError) Unwrap() error  { return ErrInvalid }
func (e *InputError) BadInput() bool { return true }

// Errors collects every problem found by one validation, so that a user sees
// them all at once.
type Errors []*InputError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) Unwrap() error  { return ErrInvalid }
func (es Errors) BadInput() bool { return true }

// Err returns nil for no errors, the error itself for one, and es otherwise.
func (es Errors) Err() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return es
}

// AsErrors flattens an error into InputErrors: an Errors or an InputError
// anywhere in its chain as they are, any other error as one InputError
// carrying its text.
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return Errors{ie}
	}
	return Errors{{Msg: err.Error()}}
}

func (es *Errors) add(file string, line int, field, format string, args ...any) {
	*es = append(*es, &InputError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}
