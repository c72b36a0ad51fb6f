package rootfs

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/qm-build/qm-build/rootfs/bluechi"
	"github.com/qm-build/qm-build/rpmspec"
)

// validateOptions checks and normalises the QM container and BlueChi options.
// Each problem names its flag; every problem is reported at once.
func validateOptions(o *Options) rpmspec.Errors {
	var errs rpmspec.Errors
	bad := func(flag, format string, args ...any) {
		errs = append(errs, &rpmspec.InputError{Field: flag, Msg: fmt.Sprintf(format, args...)})
	}
	switch o.Arch {
	case "x86_64", "aarch64":
	default:
		bad("--arch", "unknown architecture %q; supported: x86_64, aarch64", o.Arch)
	}
	for _, s := range []struct{ flag, v string }{{"--memory-max", o.MemoryMax}, {"--memory-high", o.MemoryHigh}} {
		if s.v != "" {
			if err := ValidMemory(s.v); err != nil {
				bad(s.flag, "%v", err)
			}
		}
	}
	if o.CPUWeight != "" {
		if err := ValidCPUWeight(o.CPUWeight); err != nil {
			bad("--cpu-weight", "%v", err)
		}
	}
	if o.Network != "" {
		if err := ValidNetwork(o.Network); err != nil {
			bad("--network", "%v", err)
		}
	}
	if o.Timezone != "" {
		if err := ValidTimezone(o.Timezone); err != nil {
			bad("--timezone", "%v", err)
		}
	}
	for _, v := range o.Volumes {
		if err := ValidVolume(v); err != nil {
			bad("--volume", "%v", err)
		}
	}
	for i, d := range o.Devices {
		if err := ValidDevice(d); err != nil {
			bad("--device", "%v", err)
		} else if err := CheckDeviceAllowed(d); err != nil {
			bad("--device", "%v", err)
		}
		o.Devices[i] = strings.TrimPrefix(d, "-")
	}
	errs = append(errs, validateBlueChi(o)...)
	return errs
}

func validateBlueChi(o *Options) rpmspec.Errors {
	var errs rpmspec.Errors
	bad := func(flag, format string, args ...any) {
		errs = append(errs, &rpmspec.InputError{Field: flag, Msg: fmt.Sprintf(format, args...)})
	}
	if o.Hostname != "" {
		if err := bluechi.ValidName(o.Hostname); err != nil {
			bad("--hostname", "%v", err)
		}
	}
	if o.ControllerHost != "" {
		if err := ValidHost(o.ControllerHost); err != nil {
			bad("--controller-host", "%v", err)
		}
		if o.ControllerSocket {
			bad("--controller-socket", "reaches the controller over its unix socket; do not also give --controller-host")
		}
	}
	if o.ControllerPort != 0 {
		switch {
		case o.ControllerPort < 1 || o.ControllerPort > 65535:
			bad("--controller-port", "%d is not a TCP port (1-65535)", o.ControllerPort)
		case o.ControllerHost == "":
			bad("--controller-port", "needs --controller-host")
		}
	}
	return errs
}

// sizeRE is systemd's parse_size() syntax for memory limits: a number,
// possibly with a fraction, and one base-1024 suffix (or B for bytes).
var sizeRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[BKMGTPE]?$`)

// pctRE is a percentage from 0 to 100 in plain decimal notation.
var pctRE = regexp.MustCompile(`^(0*100(\.0*)?|0*[0-9]{0,2}(\.[0-9]*)?)%$`)

// ValidMemory checks a MemoryMax=/MemoryHigh= value as
// systemd.resource-control(5) takes it: "infinity", a size such as 512M or
// 2G, or a percentage of physical memory; zero is out of range (systemd
// 252). It is stricter than systemd in one way: no space inside the value.
func ValidMemory(v string) error {
	if v == "infinity" {
		return nil
	}
	if strings.HasSuffix(v, "%") {
		// Decimal digits only (no NaN, no exponent), above 0 and at most 100,
		// exactly as the org.osbuild.qm schema's pattern says.
		if !pctRE.MatchString(v) || !strings.ContainsAny(v, "123456789") {
			return fmt.Errorf("%q is not a percentage above 0%% and up to 100%%", v)
		}
		return nil
	}
	if !sizeRE.MatchString(v) {
		return fmt.Errorf("%q is not a memory size: give bytes with an optional K, M, G, T, P or E suffix (e.g. 512M, 2G), a percentage (80%%) or infinity", v)
	}
	if f, _ := strconv.ParseFloat(strings.TrimRight(v, "BKMGTPE"), 64); f == 0 {
		return fmt.Errorf("%q: a memory limit must be more than 0", v)
	}
	return nil
}

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
var zoneRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`)

// ValidTimezone checks a Timezone= value: a zone name such as Europe/Berlin,
// UTC or Etc/GMT+3 (podman-run(1) --tz), or local.
func ValidTimezone(v string) error {
	if !zoneRE.MatchString(v) || len(v) > 255 {
		return fmt.Errorf("%q is not a time zone name (e.g. Europe/Berlin, UTC, local)", v)
	}
	return nil
}

// volumeOptionRE is one option of a bind mount (podman-run(1) --volume: ro,
// rw, z, Z, O, U, nosuid, rbind, idmap=…, …).
var volumeOptionRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]*(=[a-zA-Z0-9_:/.#;-]+)?$`)

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
			if !volumeOptionRE.MatchString(opt) {
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
