// Package cleanup keeps what a process must undo if it is made to exit
// before it can undo it itself: the temporary directories of a check, the
// read-only mounts of a disk image. Code that makes such a thing registers
// how to undo it and unregisters once it has; the CLI's hard stop (SIGINT or
// SIGTERM not honoured within its grace) runs what is still registered just
// before the process exits. It sits in the lowest layer so that any layer
// can register.
package cleanup

import (
	"maps"
	"slices"
	"sync"
)

var (
	mu    sync.Mutex
	next  int
	undos map[int]func() // made by the first Register, not at every start
)

// Register records undo, to be run by Run unless the returned function is
// called first. Calling the returned function more than once is harmless.
func Register(undo func()) (unregister func()) {
	mu.Lock()
	defer mu.Unlock()
	id := next
	next++
	if undos == nil {
		undos = map[int]func(){}
	}
	undos[id] = undo
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(undos, id)
	}
}

// Run runs every registered undo, newest first, and forgets them: each runs
// at most once. A panic in one does not stop the others.
func Run() {
	mu.Lock()
	ids := slices.Sorted(maps.Keys(undos))
	slices.Reverse(ids) // newest first: ids grow with each Register
	fns := make([]func(), len(ids))
	for i, id := range ids {
		fns[i] = undos[id]
		delete(undos, id)
	}
	mu.Unlock()
	for _, fn := range fns {
		func() {
			defer func() { _ = recover() }()
			fn()
		}()
	}
}

// Pending is how many undos are registered.
func Pending() int {
	mu.Lock()
	defer mu.Unlock()
	return len(undos)
}
