package check

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/check/target"
)

// Options are the inputs of a check besides the target.
type Options struct {
	Profile Profile // "" means ProfileDefault
	Policy  Policy
	// Arch overrides the architecture the target records.
	Arch    string
	Keyring openpgp.EntityList
	// RootUID and RootGID stand for root in ownership checks (see Context).
	RootUID, RootGID int
	// Rules replaces Rules() (tests).
	Rules []Rule
}

// Run checks an opened target with every rule of its scope. Findings are the
// report; an error means the target could not be read (bad input) or the
// context was cancelled.
func Run(ctx context.Context, t *target.Target, o Options) (*Report, error) {
	if o.Profile == "" {
		o.Profile = ProfileDefault
	}
	rules := o.Rules
	if rules == nil {
		rules = Rules()
	}
	c := &Context{Target: t, FS: t.FS, Policy: o.Policy, Arch: o.Arch, Keyring: o.Keyring, RootUID: o.RootUID, RootGID: o.RootGID}
	if c.Arch == "" {
		c.Arch = t.Arch
	}
	scope := ScopeImage
	if !t.Kind.IsImage() {
		scope = ScopePackages
		if err := c.loadRPMs(); err != nil {
			return nil, err
		}
	} else if _, err := c.Walk(); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			// Cancelled, not bad input: the walk stopped because ctx did.
			return nil, fmt.Errorf("walking the image: %w", cerr)
		}
		return nil, target.Error(t.Spec, fmt.Errorf("walking the image: %w", err))
	}
	r := &Report{Target: t.Spec, Kind: string(t.Kind), Arch: c.Arch, Profile: o.Profile, Errors: []Finding{}, Warnings: []Finding{},
		Digest: t.Digest, Bootc: t.Bootc, Notes: t.Notes, Allowed: o.Policy.Statements}
	for _, rule := range rules {
		if rule.Scope != scope {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.Rules++
		found, err := runRule(rule, c)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			f.Rule, f.Severity = rule.ID, rule.Severity
			if f.Severity == Error {
				r.Errors = append(r.Errors, f)
			} else {
				r.Warnings = append(r.Warnings, f)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err // a rule may have stopped short: no partial report
	}
	sortFindings(r.Errors)
	sortFindings(r.Warnings)
	return r, nil
}

// runRule runs one rule; a panic is a bug in the rule, reported as an error
// naming it rather than taking the process down.
func runRule(rule Rule, c *Context) (found []Finding, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rule %s failed: %v", rule.ID, p)
		}
	}()
	return rule.Check(c), nil
}

// LoadKeyring reads OpenPGP public keys, armored or binary. name is used in
// errors; a keyring that does not parse is bad input.
func LoadKeyring(r io.Reader, name string) (openpgp.EntityList, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var keys openpgp.EntityList
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		keys, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	} else {
		keys, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil || len(keys) == 0 {
		return nil, keyringError(name, err)
	}
	return keys, nil
}

// keyringError is a --keyring that holds no usable key: bad input.
func keyringError(name string, err error) error {
	if err == nil {
		return rpmspec.Invalid("--keyring %s: no OpenPGP key in it", name)
	}
	return &rpmspec.InputError{Msg: "--keyring " + name, Err: err}
}
