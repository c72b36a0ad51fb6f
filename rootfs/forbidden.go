package rootfs

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// ForbiddenDevice is a host device, or a family of them, that QM must never
// get: the freedom-from-interference gate refuses it (the checker's QM110),
// and so does every front end up front (--device, the osbuild stage's
// devices option), with exit status 2.
type ForbiddenDevice struct {
	// Pattern matches the path below /dev/ (a regular expression, anchored
	// at both ends when compiled).
	Pattern string
	// Why is the reason, as a user reads it.
	Why string
}

// ForbiddenDevices is the table, declared once: the CLI's validation of
// --device and the checker's QM110 (stages/check) both read it. Each call
// returns a new slice.
func ForbiddenDevices() []ForbiddenDevice {
	const (
		memory = "reaches the host's physical memory or I/O ports"
		log    = "reaches the host's console or kernel log"
		block  = "is a host block device (a disk the ASIL partition uses)"
		scsi   = "passes raw SCSI commands to host storage"
		flash  = "is raw host flash storage"
		cpu    = "reads and writes the host CPUs' model-specific registers"
		wdog   = "can stop or reset the host's watchdog"
		input  = "injects input events into the host"
	)
	return []ForbiddenDevice{
		{"mem", memory}, {"kmem", memory}, {"port", memory},
		{"console", log}, {"kmsg", log},
		{"(sd|hd|vd|xvd)[a-z]+[0-9]*", block},
		{"nvme[0-9].*", block}, {"mmcblk[0-9].*", block},
		{"loop[0-9]*", block}, {"loop-control", block},
		{"dm-[0-9]+", block}, {"md[0-9]+", block}, {"sr[0-9]+", block},
		{"nbd[0-9]+", block}, {"zram[0-9]+", block}, {"ram[0-9]+", block},
		{"mtdblock[0-9]+", block},
		{"mapper(/.*)?", block}, {"disk(/.*)?", block}, {"block(/.*)?", block},
		{"root", block},
		{"sg[0-9]+", scsi}, {"bsg(/.*)?", scsi},
		{"mtd[0-9].*", flash},
		{"cpu(/.*)?", cpu},
		{"watchdog[0-9]*", wdog},
		{"uinput", input},
	}
}

// ForbiddenDevicesRE compiles the table into one expression matching a clean
// host path (/dev/mem, /dev/disk/by-id/x).
func ForbiddenDevicesRE() *regexp.Regexp {
	var alts []string
	for _, d := range ForbiddenDevices() {
		alts = append(alts, d.Pattern)
	}
	return regexp.MustCompile(`^/dev/(` + strings.Join(alts, "|") + `)$`)
}

// CheckDeviceAllowed refuses an AddDevice= value (ValidDevice's form: a
// leading '-', ":CONTAINER-PATH", ":PERMISSIONS") whose host device is in
// ForbiddenDevices, naming the device and the reason.
func CheckDeviceAllowed(v string) error {
	host, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(v), "-"), ":")
	host = path.Clean(host)
	for _, d := range ForbiddenDevices() {
		if regexp.MustCompile(`^/dev/(` + d.Pattern + `)$`).MatchString(host) {
			return fmt.Errorf("%q: QM must never get %s: it %s (the check's rule QM110 refuses it)", v, host, d.Why)
		}
	}
	return nil
}
