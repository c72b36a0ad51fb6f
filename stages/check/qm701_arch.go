package check

import (
	"debug/elf"
	"sort"
	"strings"
)

// foreignELFDirs hold ELF files that run on other processors by design
// (device firmware).
var foreignELFDirs = []string{"/usr/lib/firmware", "/lib/firmware"}

// QM701: every program matches the image's architecture.
var ruleQM701 = Rule{
	ID: "QM701", Severity: Error, Group: GroupArch,
	Title: "every ELF file matches --arch, the architecture the image records, or else the image's majority",
	Rationale: "A binary of another architecture fails at runtime, or runs under emulation outside the cgroup and SELinux " +
		"assumptions the FFI tests make; a foreign binary in QM's rootfs means QM was built from the wrong repositories.",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil {
			return nil
		}
		want := c.Arch
		if want == "" {
			want = majority(w.elfByArch)
		}
		var out []Finding
		for _, f := range w.elfs {
			got := archName(f.Machine, f.Order)
			if got == want || f.Machine == elf.EM_BPF || f.Machine == elf.EM_NONE || inAny(f.Path, foreignELFDirs) {
				continue
			}
			out = append(out, at(f.Path, 0, "is %s %s ELF file (%s, %s) in %s %s image", article(got), got, f.Machine, f.Class, article(want), want))
		}
		return out
	},
}

// article is "an" before a vowel sound (x86_64 is read "ex-eighty-six").
func article(w string) string {
	if w != "" && strings.ContainsRune("aeiox", rune(w[0])) {
		return "an"
	}
	return "a"
}

func majority(counts map[string]int) string {
	var names []string
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	best := ""
	for _, n := range names {
		if best == "" || counts[n] > counts[best] {
			best = n
		}
	}
	return best
}

func inAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if under(p, d) {
			return true
		}
	}
	return false
}
