package rpm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rpmspec"
)

// TempPrefix starts the name of every temporary file WriteDir makes beside a
// package while writing it. Such files are hidden and never end in ".rpm".
const TempPrefix = ".qm-build-tmp-"

// WriteDir writes each package to dir as its conventional file name
// (Package.FileName) and returns the names in order. dir is created when
// missing. Each file is written to a temporary file beside the target and
// renamed into place, so dir never holds a partial .rpm.
func WriteDir(dir string, pkgs []*rpmspec.Package, o Options) ([]string, error) {
	return WriteDirContext(context.Background(), dir, pkgs, o, nil)
}

// WriteDirContext is WriteDir that stops between packages when ctx is done,
// and calls done (when not nil) with each file's name and bytes once it is in
// place.
func WriteDirContext(ctx context.Context, dir string, pkgs []*rpmspec.Package, o Options, done func(file string, data []byte)) ([]string, error) {
	if _, err := CheckCompressor(o.Compressor); err != nil {
		return nil, err
	}
	// Build every package in memory first: a model error then leaves dir
	// untouched.
	bodies, err := buildAll(ctx, pkgs, o)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	defer root.Close()
	names := make([]string, 0, len(pkgs))
	for i, p := range pkgs {
		if err := ctx.Err(); err != nil {
			return names, err
		}
		name := p.FileName()
		if err := writeAtomic(root, name, bodies[i]); err != nil {
			return names, fmt.Errorf("writing %s: %w", name, err)
		}
		names = append(names, name)
		if done != nil {
			done(name, bodies[i])
		}
	}
	return names, nil
}

// buildAll writes every package to memory, on the calling goroutine or on
// goroutines (workers), each reusing its own compressors. Each package is independent, so the
// bytes do not depend on the schedule; the error reported is the first by
// package order.
func buildAll(ctx context.Context, pkgs []*rpmspec.Package, o Options) ([][]byte, error) {
	bodies := make([][]byte, len(pkgs))
	errs := make([]error, len(pkgs))
	work := func(next func() (int, bool)) {
		var c compressors
		for i, ok := next(); ok; i, ok = next() {
			if errs[i] = ctx.Err(); errs[i] != nil {
				continue
			}
			bodies[i], errs[i] = encode(pkgs[i], o, &c)
		}
	}
	if n := workers(pkgs, o); n == 1 {
		// On the calling goroutine: no goroutine to start, grow a stack
		// for and hand each package to (QM's packages, see parallelBytes).
		i := -1
		work(func() (int, bool) { i++; return i, i < len(pkgs) })
	} else {
		next := make(chan int)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				work(func() (int, bool) { i, ok := <-next; return i, ok })
			})
		}
		for i := range pkgs {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

// parallelBytes is the payload size from which buildAll compresses on
// every CPU: below it, zstd and gzip take less time than the goroutines
// cost. QM's packages hold tens of kilobytes in all, which one goroutine
// compresses in well under a millisecond, while a second one makes a second
// encoder fault in its tables, each page a copy-on-write fault whose TLB
// flush interrupts the other CPU (whole `qm-build rpm --dropin all`
// processes take a millisecond longer on two goroutines than on one; with
// the 2.4 MB hook program, the same either way; xz is several times slower
// and always gains).
const parallelBytes = 1 << 20

// workers is how many goroutines buildAll writes pkgs on: one per CPU (at
// most one per package) for xz or for payloads of parallelBytes or more,
// else one.
func workers(pkgs []*rpmspec.Package, o Options) int {
	var size int
	for _, p := range pkgs {
		for _, f := range p.Files {
			size += len(f.Body)
		}
	}
	if o.Compressor != "xz" && size < parallelBytes {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), len(pkgs)))
}

// writeAtomic writes data to a new temporary file in root and renames it to
// name; on any error the temporary file is removed.
func writeAtomic(root *os.Root, name string, data []byte) (err error) {
	if strings.ContainsRune(name, '/') {
		return fmt.Errorf("file name %q has a slash", name)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := TempPrefix + name + "." + hex.EncodeToString(rnd[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	// No fsync: the rename makes the file appear whole or not at all to any
	// reader, and a killed build leaves no partial .rpm; durability across a
	// power loss is left to the file system, as in rootfs.Tree.
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = root.Rename(tmp, name); err != nil {
		return errors.Join(err, root.Remove(tmp))
	}
	return nil
}
