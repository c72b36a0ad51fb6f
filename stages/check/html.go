package check

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
)

// FFIProperty is one freedom-from-interference property of upstream QM (one
// of its runtime FFI tests): what a running system shows, and what only a
// running system can show.
type FFIProperty struct {
	Name        string `json:"name"`
	Expectation string `json:"expectation"`
	RuntimeOnly string `json:"runtime_only,omitempty"`
}

// FFIProperties are upstream QM's runtime FFI tests, in the order
// docs/check.md's safety-evidence table lists them.
var FFIProperties = []FFIProperty{
	{"memory", "ASIL services keep their memory; OOM kills land in qm.service", "the kernel's OOM choice and the limits' effect under load"},
	{"cpu", "QM's CPU weight leaves the host's services their share", "the scheduler's shares under load"},
	{"oom-score-adj", "QM runs at OOM score 500, nested containers at 750", ""},
	{"disk", "QM fills /var/qm and the host can still allocate", "that the partition is really separate and sized (the mount table at boot)"},
	{"modules", "modprobe fails inside QM", "a module shipped only as a compiled policy package, the kernel's denial"},
	{"sysctl", "sysctl writes from QM are denied", ""},
	{"tcp_max_syn_backlog", "the host's value is unchanged by QM", ""},
	{"selinux", "setenforce 0 is denied inside QM; the host enforces", "that the kernel really booted the image's entry"},
	{"deny_sched_setattr", "sched_setattr fails inside QM", ""},
	{"deny_set_scheduler", "a realtime sched_setscheduler fails inside QM", ""},
	{"mqueue", "QM's queue limit is 4; the host's queues are isolated", ""},
	{"devices", "no /dev/mem, /dev/console, /dev/disk, /dev/kmsg inside QM", "what a hook program really does (its table is trusted), devices appearing at runtime"},
	{"/sys", "/sys is read-only inside QM", ""},
	{"not visible", "/etc/qm, /usr/lib/qm, /usr/share/qm and the host's /dev/shm are hidden from QM", "the host's /dev/shm contents"},
	{"sockets", "QM has its own journal socket and no /run/udev/control", ""},
	{"qm_nested", "nested containers are confined", "that podman inside QM applies the contexts (podman's version)"},
	{"agent-flood", "11 M BlueChi signals over the socket do not disturb the host", "the agent's and the controller's behaviour under load"},
	{"unit files", "writes to /usr/lib/systemd/system fail from QM", ""},
	{"all", "QM starts as built", "that QM really starts (a boot)"},
}

//go:embed html.tmpl
var htmlTemplate string

var htmlReport = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"join": strings.Join,
	}).Parse(htmlTemplate))
})

type htmlFinding struct {
	Finding
	Title string
	FFI   []string
}

type htmlProperty struct {
	FFIProperty
	Rules    []Rule
	Findings int
}

type htmlAllowed struct {
	AllowStatement
	Rules []string
}

type htmlData struct {
	R          *Report
	Version    string
	Verdict    string
	Findings   []htmlFinding
	Properties []htmlProperty
	Allowed    []htmlAllowed
	Rules      []Rule
}

// WriteHTML writes the report as one self-contained HTML page for the people
// who sign a release off: the image and its digest, how it was read, every
// FFI property with the rules that guard it and what only a running system
// can show, every finding with its effective value's chain of files, and the
// allow file's statements with their reasons. The page has no script and
// loads nothing: its style is inline, and it names no other resource. The
// same report gives the same bytes.
func WriteHTML(w io.Writer, r *Report, rules []Rule, version string) error {
	byID := map[string]Rule{}
	var ran []Rule
	scope := ScopeImage
	if r.Kind == "rpms" || r.Kind == "repo" {
		scope = ScopePackages
	}
	for _, rule := range rules {
		byID[rule.ID] = rule
		if rule.Scope == scope {
			ran = append(ran, rule)
		}
	}
	d := htmlData{R: r, Version: version, Verdict: "passed", Rules: ran}
	if r.Failed() {
		d.Verdict = "FAILED"
	}
	perProperty := map[string]int{}
	for _, f := range r.Findings() {
		rule := byID[f.Rule]
		d.Findings = append(d.Findings, htmlFinding{Finding: f, Title: rule.Title, FFI: rule.FFI})
		for _, p := range rule.FFI {
			perProperty[p]++
		}
	}
	for _, p := range FFIProperties {
		hp := htmlProperty{FFIProperty: p, Findings: perProperty[p.Name]}
		for _, rule := range ran {
			if slices.Contains(rule.FFI, p.Name) {
				hp.Rules = append(hp.Rules, rule)
			}
		}
		sort.Slice(hp.Rules, func(i, j int) bool { return hp.Rules[i].ID < hp.Rules[j].ID })
		d.Properties = append(d.Properties, hp)
	}
	for _, a := range r.Allowed {
		d.Allowed = append(d.Allowed, htmlAllowed{AllowStatement: a, Rules: allowRules()[a.Keyword]})
	}
	var b bytes.Buffer
	if err := htmlReport().Execute(&b, d); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
