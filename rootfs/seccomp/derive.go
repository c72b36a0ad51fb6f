package seccomp

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/qm-build/qm-build/rpmspec"
)

// Path is where the qm package ships qm-build's own profile; BasePath is the
// image's containers profile, and DerivedPath where the profile derived from
// it goes when the tree has one. The derived profile has a path of its own
// (named by the options drop-in's SeccompProfile=) so that the packaged file
// is never rewritten and `rpm -V qm` stays clean.
const (
	Path        = rpmspec.QMShare + "/seccomp-no-rt.json"
	BasePath    = "/usr/share/containers/seccomp.json"
	DerivedPath = rpmspec.QMShare + "/seccomp-no-rt.derived.json"
)

// Scheduling policies of sched_setscheduler(2) (linux/sched.h).
const (
	SchedOther = 0
	SchedFIFO  = 1
	SchedRR    = 2
	SchedBatch = 3
	SchedIdle  = 5
)

// EPERM is the errno returned for denied calls (asm-generic/errno-base.h).
const EPERM = 1

// AllowedPolicies are the sched_setscheduler policies QM may set.
var AllowedPolicies = []uint64{SchedOther, SchedBatch, SchedIdle}

// Arg is one argument comparison of a rule.
type Arg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo"`
	Op       string `json:"op"`
}

// Rule is one entry of "syscalls".
type Rule struct {
	Names    []string `json:"names"`
	Action   string   `json:"action"`
	ErrnoRet *uint    `json:"errnoRet,omitempty"`
	Args     []Arg    `json:"args,omitempty"`
	Comment  string   `json:"comment,omitempty"`
}

// realtimeRules are the rules Derive adds (containers/qm create-seccomp-rules
// does the same with jq).
func realtimeRules() []Rule {
	eperm := uint(EPERM)
	rules := []Rule{{
		Names:    []string{"sched_setattr"},
		Action:   "SCMP_ACT_ERRNO",
		ErrnoRet: &eperm,
		Comment:  "QM: no realtime scheduling (sched_setattr fails with EPERM)",
	}}
	for _, p := range AllowedPolicies {
		rules = append(rules, Rule{
			Names:   []string{"sched_setscheduler"},
			Action:  "SCMP_ACT_ALLOW",
			Args:    []Arg{{Index: 1, Value: p, Op: "SCMP_CMP_EQ"}},
			Comment: "QM: sched_setscheduler only for SCHED_OTHER, SCHED_BATCH and SCHED_IDLE",
		})
	}
	return rules
}

// Derive returns base (a containers seccomp.json) with QM's realtime rules:
// sched_setattr and sched_setscheduler are removed from every existing rule
// (a rule left without names is dropped) and realtimeRules are appended.
// Every other field is kept as it was; the output is indented JSON with
// sorted keys, so the same base always gives the same bytes. name is used in
// errors.
func Derive(base []byte, name string) ([]byte, error) {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(base))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, rpmspec.FileError(name, fmt.Errorf("parsing seccomp profile: %w", err))
	}
	raw, ok := doc["syscalls"]
	if !ok {
		return nil, rpmspec.FileError(name, fmt.Errorf("no \"syscalls\" list"))
	}
	var rules []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rules); err != nil {
		return nil, rpmspec.FileError(name, fmt.Errorf("parsing \"syscalls\": %w", err))
	}
	kept := make([]any, 0, len(rules)+4)
	for i, r := range rules {
		var names []string
		if n, ok := r["names"]; ok {
			if err := json.Unmarshal(n, &names); err != nil {
				return nil, rpmspec.FileError(name, fmt.Errorf("syscalls[%d].names: %w", i, err))
			}
		}
		out := names[:0:0]
		for _, n := range names {
			if n != "sched_setattr" && n != "sched_setscheduler" {
				out = append(out, n)
			}
		}
		if len(out) == 0 && len(names) > 0 {
			continue
		}
		if len(out) != len(names) {
			b, _ := json.Marshal(out)
			r["names"] = b
		}
		kept = append(kept, r)
	}
	for _, r := range realtimeRules() {
		kept = append(kept, r)
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, fmt.Errorf("encoding rules: %w", err)
	}
	doc["syscalls"] = b
	return marshal(doc)
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding seccomp profile: %w", err)
	}
	return b.Bytes(), nil
}
