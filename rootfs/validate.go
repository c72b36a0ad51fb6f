package rootfs

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rootfs/bluechi"
	"github.com/qm-build/qm-build/rpmspec"
)

// checkText applies the one text rule (rpmspec.CheckLine) to every string
// option, whichever front end filled it: no value may carry a line break
// or a control character into a unit file, a YAML file, an RPM header or
// the spec. A drop-in name may not be empty either.
func checkText(o Options) rpmspec.Errors {
	var errs rpmspec.Errors
	line := func(field, v string) {
		if e := rpmspec.LineField(field, v); e != nil {
			errs = append(errs, e)
		}
	}
	for _, s := range []struct{ field, v string }{
		{FieldVersion, o.Version}, {FieldRelease, o.Release}, {FieldArch, o.Arch}, {FieldDistro, o.Distro},
		{FieldMemoryMax, o.MemoryMax}, {FieldMemoryHigh, o.MemoryHigh}, {FieldCPUWeight, o.CPUWeight},
		{FieldNetwork, o.Network}, {FieldTimezone, o.Timezone}, {FieldHostname, o.Hostname},
		{FieldControllerHost, o.Controller.Host},
	} {
		line(s.field, s.v)
	}
	for _, l := range []struct {
		field string
		vs    []string
	}{{FieldDropins, o.Dropins}, {FieldVolumes, o.Volumes}, {FieldDevices, o.Devices}} {
		for _, v := range l.vs {
			line(l.field, v)
		}
	}
	for _, d := range o.Dropins {
		for _, n := range strings.Split(d, ",") {
			if strings.TrimSpace(n) == "" {
				errs = append(errs, &rpmspec.InputError{Field: FieldDropins, Msg: fmt.Sprintf("%q has an empty drop-in name", d)})
				break
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.Images)) {
		line(FieldImages+"."+k, k)
		line(FieldImages+"."+k, o.Images[k])
	}
	return errs
}

// validateOptions checks and normalises the QM container and BlueChi options.
// Each problem names its option (by its neutral name); every problem is
// reported at once.
func validateOptions(o *Options) rpmspec.Errors {
	var errs rpmspec.Errors
	bad := func(field, format string, args ...any) {
		errs = append(errs, &rpmspec.InputError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if err := CheckArch(o.Arch); err != nil {
		bad(FieldArch, "%v", err)
	}
	if d, err := CanonicalDistro(o.Distro); err != nil {
		bad(FieldDistro, "%v", err)
	} else {
		o.Distro = d
	}
	for _, s := range []struct{ field, v string }{{FieldMemoryMax, o.MemoryMax}, {FieldMemoryHigh, o.MemoryHigh}} {
		if s.v != "" {
			if err := ValidMemory(s.v); err != nil {
				bad(s.field, "%v", err)
			}
		}
	}
	if o.CPUWeight != "" {
		if err := ValidCPUWeight(o.CPUWeight); err != nil {
			bad(FieldCPUWeight, "%v", err)
		}
	}
	if o.Network != "" {
		if err := ValidNetwork(o.Network); err != nil {
			bad(FieldNetwork, "%v", err)
		}
	}
	if o.Timezone != "" {
		if err := ValidTimezone(o.Timezone); err != nil {
			bad(FieldTimezone, "%v", err)
		}
	}
	for _, v := range o.Volumes {
		if err := ValidVolume(v); err != nil {
			bad(FieldVolumes, "%v", err)
		}
	}
	for i, d := range o.Devices {
		if err := ValidDevice(d); err != nil {
			bad(FieldDevices, "%v", err)
		} else if err := CheckDeviceAllowed(d); err != nil {
			bad(FieldDevices, "%v", err)
		}
		o.Devices[i] = strings.TrimPrefix(d, "-")
	}
	errs = append(errs, validateBlueChi(o)...)
	return errs
}

func validateBlueChi(o *Options) rpmspec.Errors {
	var errs rpmspec.Errors
	bad := func(field, format string, args ...any) {
		errs = append(errs, &rpmspec.InputError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if o.Hostname != "" {
		if err := bluechi.ValidName(o.Hostname); err != nil {
			bad(FieldHostname, "%v", err)
		}
	}
	c := o.Controller
	if c.Host != "" {
		if err := ValidHost(c.Host); err != nil {
			bad(FieldControllerHost, "%v", err)
		}
		if c.Socket {
			bad(FieldControllerSocket, "reaches the controller over its unix socket; do not also give %s", ref(FieldControllerHost))
		}
	}
	if c.Port != 0 {
		switch {
		case c.Port < 1 || c.Port > 65535:
			bad(FieldControllerPort, "%d is not a TCP port (1-65535)", c.Port)
		case c.Host == "":
			bad(FieldControllerPort, "needs %s", ref(FieldControllerHost))
		}
	}
	return errs
}

// sizeRE is systemd's parse_size() syntax for memory limits as qm-build
// takes it: a number, possibly with a fraction, and one base-1024 suffix (or
// B for bytes).
var sizeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?([BKMGTPE]?)$`) })

// pctRE is systemd's parse_permyriad() syntax: a whole percentage with at
// most two decimal places.
var pctRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+)(?:\.([0-9]{1,2}))?%$`) })

// memoryFactor is systemd's base-1024 suffixes (parse_size with base 1024).
var memoryFactor = sync.OnceValue(func() map[string]uint {
	return map[string]uint{"": 0, "B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60}
})

// ValidMemory checks a MemoryMax=/MemoryHigh= value with systemd's own
// rules (config_parse_memory_limit, systemd 252): "infinity"; a size such
// as 512M or 1.5G that comes to at least one byte and less than 2^64-1
// (16E and 18446744073709551615 are out of range, and systemd would ignore
// them: QM would run unlimited); or a percentage of physical memory above
// 0% and at most 100%, with at most two decimal places. It is stricter
// than systemd in one way: no space inside the value, one suffix only.
func ValidMemory(v string) error {
	if v == "infinity" {
		return nil
	}
	if strings.HasSuffix(v, "%") {
		m := pctRE().FindStringSubmatch(v)
		if m == nil {
			return fmt.Errorf("%q is not a percentage: give a whole number with at most two decimal places, e.g. 80%% or 12.5%%", v)
		}
		whole, err := strconv.ParseUint(m[1], 10, 32)
		frac := (m[2] + "00")[:2]
		f, _ := strconv.ParseUint(frac, 10, 32)
		if err != nil || whole*100+f == 0 || whole*100+f > 10000 {
			return memoryRangeError(fmt.Sprintf("%q is out of range: a percentage of memory is above 0%% and at most 100%%", v))
		}
		return nil
	}
	m := sizeRE().FindStringSubmatch(v)
	if m == nil {
		return fmt.Errorf("%q is not a memory size: give bytes with an optional K, M, G, T, P or E suffix (e.g. 512M, 2G), a percentage (80%%) or infinity", v)
	}
	// As systemd's parse_size: the whole part times the factor must fit in
	// 64 bits, with room for one more unit when there is a fraction; the
	// bytes are the whole part times the factor plus the fraction's share,
	// rounded down.
	factor := new(big.Int).Lsh(big.NewInt(1), memoryFactor()[m[3]])
	whole, ok := new(big.Int).SetString(m[1], 10)
	if !ok {
		return fmt.Errorf("%q is not a memory size", v)
	}
	max := new(big.Int).SetUint64(math.MaxUint64)
	room := new(big.Int).Quo(max, factor)
	frac := new(big.Int)
	if m[2] != "" {
		frac.SetString(m[2], 10)
	}
	need := new(big.Int).Set(whole)
	if frac.Sign() > 0 {
		need.Add(need, big.NewInt(1))
	}
	outOfRange := memoryRangeError(fmt.Sprintf("%q is out of range: systemd takes a memory limit below 16E (2^64-1 bytes) and ignores a larger one; give infinity for no limit", v))
	if need.Cmp(room) > 0 {
		return outOfRange
	}
	bytes := new(big.Int).Mul(whole, factor)
	share := new(big.Int).Mul(frac, factor)
	share.Quo(share, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(m[2]))), nil))
	bytes.Add(bytes, share)
	switch {
	case bytes.Sign() == 0:
		return memoryRangeError(fmt.Sprintf("%q: a memory limit must be at least one byte", v))
	case bytes.Cmp(max) >= 0:
		return outOfRange
	}
	return nil
}

// ErrMemoryRange is a memory limit written as one whose value is out of
// range: below one byte, 2^64-1 bytes or more, or a percentage of 0 or above
// 100. ValidMemory's range check, which the stage's JSON schema (patterns
// for the spelling) makes only for percentages. errors.Is finds it in
// ValidMemory's error.
var ErrMemoryRange = errors.New("memory limit out of range")

type memoryRangeError string

func (e memoryRangeError) Error() string        { return string(e) }
func (e memoryRangeError) Is(target error) bool { return target == ErrMemoryRange }

// ValidCPUWeight checks a CPUWeight= value: idle, or 1 to 10000
// (systemd.resource-control(5)).
func ValidCPUWeight(v string) error {
	if v == "idle" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 || strconv.Itoa(n) != v {
		return fmt.Errorf("%q is not a CPU weight: give idle or a number from 1 to 10000", v)
	}
	return nil
}

// networkModes are the Network= values QM supports (podman-run(1) --network);
// ns:PATH joins an existing namespace.
var networkModes = []string{"private", "host", "none", "bridge", "pasta", "slirp4netns"}

// ValidNetwork checks a Network= mode.
func ValidNetwork(v string) error {
	for _, m := range networkModes {
		if v == m {
			return nil
		}
	}
	if p, ok := strings.CutPrefix(v, "ns:"); ok && validAbsPath(p) {
		return nil
	}
	return fmt.Errorf("unknown network mode %q; supported: %s, ns:PATH", v, strings.Join(networkModes, ", "))
}

// zoneRE is a tz database name (tzfile(5) paths under /usr/share/zoneinfo).
var zoneRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`) })

// ValidTimezone checks a Timezone= value: local (podman-run(1) --tz), or
// a zone of the tz database such as Europe/Berlin, UTC or Etc/GMT+3. The
// database is the one Go embeds (time/tzdata, imported by this package), so
// that the check gives the same answer on a machine without
// /usr/share/zoneinfo.
func ValidTimezone(v string) error {
	if v == "local" {
		return nil
	}
	if !zoneRE().MatchString(v) || len(v) > 255 {
		return fmt.Errorf("%q is not a time zone name (e.g. Europe/Berlin, UTC, local)", v)
	}
	if _, err := loadZone(v); err != nil {
		return unknownZoneError(v)
	}
	return nil
}

// ErrUnknownZone is a zone name spelled as one that the tz database does not
// have: ValidTimezone's second check, which the stage's JSON schema (a
// pattern for the spelling) cannot make. errors.Is finds it in
// ValidTimezone's error.
var ErrUnknownZone = errors.New("not a time zone of the tz database")

type unknownZoneError string

func (e unknownZoneError) Error() string {
	return fmt.Sprintf("%q is not a time zone of the tz database (e.g. Europe/Berlin, UTC, local)", string(e))
}

func (e unknownZoneError) Is(target error) bool { return target == ErrUnknownZone }

// volumeOptionRE is one option of a bind mount (podman-run(1) --volume: ro,
// rw, z, Z, O, U, nosuid, rbind, idmap=…, …).
var volumeOptionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]*(=[a-zA-Z0-9_:/.#;-]+)?$`) })

// ValidVolume checks a Volume= value: HOST:CONTAINER[:OPTIONS], both absolute
// clean paths, options a comma-separated list.
func ValidVolume(v string) error {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) < 2 {
		return fmt.Errorf("%q: want HOST:CONTAINER[:OPTIONS]", v)
	}
	for _, p := range parts[:2] {
		if !validAbsPath(p) {
			return fmt.Errorf("%q: %q is not an absolute, clean path", v, p)
		}
	}
	if len(parts) == 3 {
		for _, opt := range strings.Split(parts[2], ",") {
			if !volumeOptionRE().MatchString(opt) {
				return fmt.Errorf("%q: bad mount option %q", v, opt)
			}
		}
	}
	return nil
}

// ValidDevice checks an AddDevice= value: a device under /dev, optionally
// with a leading '-' (always added: every extra device is optional),
// ":CONTAINER-PATH" and ":PERMISSIONS" (r, w, m).
func ValidDevice(v string) error {
	parts := strings.Split(strings.TrimPrefix(v, "-"), ":")
	if len(parts) > 3 {
		return fmt.Errorf("%q: want /dev/HOST[:/dev/CONTAINER[:PERMISSIONS]]", v)
	}
	for _, p := range parts[:min(len(parts), 2)] {
		if !validAbsPath(p) || !strings.HasPrefix(p, "/dev/") {
			return fmt.Errorf("%q: %q is not a device path under /dev", v, p)
		}
	}
	if len(parts) == 3 && (parts[2] == "" || strings.Trim(parts[2], "rwm") != "") {
		return fmt.Errorf("%q: permissions %q are not a combination of r, w and m", v, parts[2])
	}
	return nil
}

// ValidHost checks a controller host: an IP address or a DNS name.
func ValidHost(v string) error {
	if net.ParseIP(v) != nil {
		return nil
	}
	if err := bluechi.ValidName(v); err != nil {
		return fmt.Errorf("not an IP address or host name: %v", err)
	}
	return nil
}

func validAbsPath(p string) bool {
	return p != "" && p[0] == '/' && path.Clean(p) == p &&
		!strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f })
}
