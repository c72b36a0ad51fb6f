package check

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rpmspec"
)

// The allow file declares what an image may have beyond QM's defaults, one
// statement a line ('#' starts a comment, blank lines are ignored):
//
//	asil-unit UNIT        a host unit running ASIL software (repeatable)
//	writable-qm           QM's root may be writable (ReadOnly=false)
//	tcp-controller HOST[:PORT]  QM's BlueChi agent may reach this controller over TCP (repeatable)
//	device PATH           QM may be given this host device (repeatable)
//	setuid PATH           this file may be setuid/setgid (repeatable; host path or path inside QM)
//	volume PATH           QM may mount this host path (repeatable)
//	symlink PATH          this symlink in /etc/qm or /var/qm may point at a host path (repeatable)
//	memory-max VALUE      QM's MemoryMax= must be VALUE
//	memory-high VALUE     QM's MemoryHigh= must be VALUE
//	cpu-weight VALUE      QM's CPUWeight= may be at most VALUE (1..10000)
//	hook NAME             the OCI hook file NAME (in a hooks.d directory) may run for QM (repeatable)
//
// Every problem is reported at once, each as FILE:LINE.

// allowKeyword describes one statement: how many arguments, whether it may
// repeat, and how it lands in the Policy.
type allowKeyword struct {
	args     int
	repeat   bool
	validate func(string) error
	apply    func(p *Policy, v string)
}

// It is built on first use, not at every start of qm-build.
var allowKeywords = sync.OnceValue(func() map[string]allowKeyword {
	return map[string]allowKeyword{
		"asil-unit":      {1, true, validUnitName, func(p *Policy, v string) { p.ASILUnits = append(p.ASILUnits, v) }},
		"writable-qm":    {0, false, nil, func(p *Policy, _ string) { p.WritableQM = true }},
		"tcp-controller": {1, true, validController, func(p *Policy, v string) { p.TCPControllers = append(p.TCPControllers, v) }},
		"device":         {1, true, validDevice, func(p *Policy, v string) { p.Devices = append(p.Devices, v) }},
		"setuid":         {1, true, validAbsPath, func(p *Policy, v string) { p.Setuid = append(p.Setuid, v) }},
		"volume":         {1, true, validAbsPath, func(p *Policy, v string) { p.Volumes = append(p.Volumes, v) }},
		"symlink":        {1, true, validAbsPath, func(p *Policy, v string) { p.Symlinks = append(p.Symlinks, v) }},
		"memory-max":     {1, false, validMemory, func(p *Policy, v string) { p.MemoryMax = v }},
		"memory-high":    {1, false, validMemory, func(p *Policy, v string) { p.MemoryHigh = v }},
		"cpu-weight":     {1, false, validWeight, func(p *Policy, v string) { p.CPUWeight = v }},
		"hook":           {1, true, validHookName, func(p *Policy, v string) { p.Hooks = append(p.Hooks, v) }},
	}
})

// AllowStatement is one statement of an allow file, kept for the evidence
// report: where it is, what it allows, and why (the comment on its line, or
// the comment lines right above it).
type AllowStatement struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Keyword string `json:"keyword"`
	Value   string `json:"value,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// allowRules are the rules that consult each allow statement.
var allowRules = sync.OnceValue(func() map[string][]string {
	return map[string][]string{
		"asil-unit": {"QM203"}, "writable-qm": {"QM106"}, "tcp-controller": {"QM503"},
		"device": {"QM110", "QM111"}, "setuid": {"QM601"}, "volume": {"QM109"}, "symlink": {"QM605"},
		"memory-max": {"QM302"}, "memory-high": {"QM302"}, "cpu-weight": {"QM301"}, "hook": {"QM111", "QM119"},
	}
})

// validHookName accepts a hooks.d file name (NAME.json, no directory).
func validHookName(v string) error {
	if !strings.HasSuffix(v, ".json") || strings.ContainsAny(v, "/\x00") || v == ".json" {
		return fmt.Errorf("%q is not a hook file name (NAME.json)", v)
	}
	return nil
}

// ParseAllow reads an allow file. name is used in errors. All problems are
// returned together as rpmspec.Errors (bad input).
func ParseAllow(r io.Reader, name string) (Policy, error) {
	var p Policy
	var errs rpmspec.Errors
	seen := map[string]int{}
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return p, fmt.Errorf("reading %s: %w", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	var above []string // the comment lines just above a statement: its reason
	for sc.Scan() {
		n++
		line := sc.Text()
		comment := ""
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line, comment = line[:i], strings.TrimSpace(strings.TrimLeft(line[i:], "#"))
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			if comment != "" {
				above = append(above, comment)
			} else {
				above = nil
			}
			continue
		}
		reason := comment
		if reason == "" {
			reason = strings.Join(above, " ")
		}
		above = nil
		bad := func(format string, args ...any) {
			errs = append(errs, &rpmspec.InputError{File: name, Line: n, Field: fields[0], Msg: fmt.Sprintf(format, args...)})
		}
		kw, ok := allowKeywords()[fields[0]]
		switch {
		case !ok:
			bad("unknown statement (known: %s)", strings.Join(allowNames(), ", "))
			continue
		case len(fields)-1 != kw.args:
			bad("takes %d argument(s), got %d", kw.args, len(fields)-1)
			continue
		case !kw.repeat && seen[fields[0]] > 0:
			bad("given twice (first on line %d)", seen[fields[0]])
			continue
		}
		seen[fields[0]] = n
		v := ""
		if kw.args == 1 {
			v = fields[1]
		}
		if kw.validate != nil {
			if err := kw.validate(v); err != nil {
				bad("%v", err)
				continue
			}
		}
		kw.apply(&p, v)
		p.Statements = append(p.Statements, AllowStatement{File: name, Line: n, Keyword: fields[0], Value: v, Reason: reason})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &rpmspec.InputError{File: name, Line: n + 1, Msg: err.Error()})
	}
	if err := errs.Err(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func allowNames() []string {
	return []string{"asil-unit", "writable-qm", "tcp-controller", "device", "setuid", "volume", "symlink", "memory-max", "memory-high", "cpu-weight"}
}

var unitNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9:_.\\@-]+\.(service|scope|slice)$`)
})

func validUnitName(v string) error {
	if !unitNameRE().MatchString(v) {
		return fmt.Errorf("%q is not a unit name such as brakes.service", v)
	}
	return nil
}

func validAbsPath(v string) error {
	if !strings.HasPrefix(v, "/") || path.Clean(v) != v || strings.Contains(v, "/../") {
		return fmt.Errorf("%q is not an absolute, clean path", v)
	}
	return nil
}

func validDevice(v string) error {
	if err := validAbsPath(v); err != nil {
		return err
	}
	if !strings.HasPrefix(v, "/dev/") {
		return fmt.Errorf("%q is not under /dev", v)
	}
	return nil
}

func validController(v string) error {
	host, port := v, ""
	if h, p, err := net.SplitHostPort(v); err == nil {
		host, port = h, p
	}
	if host == "" || strings.ContainsAny(host, "/,= ") {
		return fmt.Errorf("%q is not HOST or HOST:PORT", v)
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not 1..65535", port)
		}
	}
	return nil
}

// memoryRE is systemd's memory limit syntax (systemd.resource-control(5)):
// bytes with an optional K/M/G/T/P/E suffix, a percentage, or infinity.
var memoryRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([0-9]+[KMGTPE]?|[0-9]+(\.[0-9]+)?%|infinity)$`)
})

func validMemory(v string) error {
	if !memoryRE().MatchString(v) {
		return fmt.Errorf("%q is not a systemd memory limit (e.g. 2G, 80%%, infinity)", v)
	}
	return nil
}

func validWeight(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return fmt.Errorf("%q is not a CPU weight 1..10000", v)
	}
	return nil
}
