package rpmspec

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error about bad input (a drop-in file, a
// version, a flag, an RPM, a tree). The CLI maps it to exit status 2.
var ErrInvalid = errors.New("invalid input")

// InputError is one problem in user input, the one error type for bad input
// in qm-build: the file and line where the format allows it, the field (an
// option's neutral name, a flag, or a path in a file such as
// "files[2].mode"), what is wrong, and the error behind it when there is one
// (a file that cannot be read, an RPM that does not parse). Several problems
// found at once are joined with errors.Join (Errors.Err does it).
type InputError struct {
	File  string // file name as given, or "" for flags
	Line  int    // 1-based, 0 when unknown
	Field string // e.g. "files[2].mode", "memory_max", or a flag such as "--release"
	Msg   string // what is wrong; "" leaves it to Err
	Err   error  // the cause, if any
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
	switch {
	case e.Msg != "" && e.Err != nil:
		b.WriteString(e.Msg + ": " + e.Err.Error())
	case e.Msg != "":
		b.WriteString(e.Msg)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap gives ErrInvalid and the cause, so that errors.Is finds both.
func (e *InputError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.Err}
}

// BadInput marks the error as the user's to fix (exit status 2).
func (e *InputError) BadInput() bool { return true }

// Invalid returns an InputError with a message.
func Invalid(format string, args ...any) *InputError {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// FileError is bad input in a file: name, then the problem err describes.
func FileError(name string, err error) *InputError {
	return &InputError{File: name, Err: err}
}

// Errors collects the problems one validation finds, so that a user sees
// them all at once. It is not an error itself: Err joins them.
type Errors []*InputError

// Err returns nil for no problems, the InputError itself for one, and the
// problems joined with errors.Join otherwise.
func (es Errors) Err() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// AsErrors flattens an error into InputErrors: every InputError in its tree
// (through errors.Join and wrapping), in order; an error with none becomes
// one InputError carrying its text.
func AsErrors(err error) Errors {
	var out Errors
	collect(err, &out)
	if len(out) == 0 && err != nil {
		out = Errors{{Msg: err.Error()}}
	}
	return out
}

func collect(err error, out *Errors) {
	if ie, ok := err.(*InputError); ok {
		*out = append(*out, ie)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			collect(e, out)
		}
	case interface{ Unwrap() error }:
		collect(u.Unwrap(), out)
	}
}

// IsBadInput reports whether err is the user's to fix: an error that says so
// (InputError, or any error with a BadInput method returning true), or an
// error wrapping one; errors joined with errors.Join are bad input when
// every one of them is. The CLIs map it to exit status 2.
func IsBadInput(err error) bool {
	switch e := err.(type) {
	case nil:
		return false
	case interface{ BadInput() bool }:
		return e.BadInput()
	case interface{ Unwrap() []error }:
		errs := e.Unwrap()
		for _, x := range errs {
			if !IsBadInput(x) {
				return false
			}
		}
		return len(errs) > 0
	case interface{ Unwrap() error }:
		return IsBadInput(e.Unwrap())
	}
	return false
}

// messageOf is what an error says without where: an InputError's message
// (its field is replaced by the caller's), else the error's text.
func messageOf(err error) string {
	var ie *InputError
	if errors.As(err, &ie) && ie.Msg != "" {
		return ie.Msg
	}
	return err.Error()
}

func (es *Errors) add(file string, line int, field, format string, args ...any) {
	*es = append(*es, &InputError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}
