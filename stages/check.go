package stages

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/stages/check/target"
)

// CheckReport is the file the check stage writes into OutDir.
const CheckReport = "check.json"

// Check runs the offline check (stages/check) on the tree the build wrote,
// with the plan's options as the expectations, and writes the report to
// OUT/check.json. Findings do not stop the build: they are printed to the log
// and summed up in a note; errors are Build.Failures, so that `qm-build build`
// exits 1 once OUT is written (as `qm-build check OUT/tree` does).
var Check = Stage{
	Name:   "check",
	Reads:  []string{"plan", "tree"},
	Writes: []string{"out:" + CheckReport},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil || b.OutDir == "" {
			return nil
		}
		t, err := target.Open("tree:"+b.Tree.Dir(), target.Options{})
		if err != nil {
			return err
		}
		defer t.Close()
		// rootfs.Tree sets owners only when it runs as root; otherwise
		// everything it wrote belongs to the user running the build.
		r, err := check.Run(ctx, t, check.Options{
			Policy:  check.PolicyFromPlan(b.Plan),
			Arch:    b.Plan.Arch,
			RootUID: os.Geteuid(), RootGID: os.Getegid(),
		})
		if err != nil {
			return err
		}
		r.Target = "tree"
		var buf bytes.Buffer
		if err := check.WriteJSON(&buf, r); err != nil {
			return err
		}
		if err := writeOut(b.OutDir, CheckReport, buf.Bytes()); err != nil {
			return err
		}
		b.AddArtifact("check", "report", CheckReport, buf.Bytes())
		for _, f := range r.Findings() {
			fmt.Fprintf(b.Log, "check: %s\n", f)
		}
		if r.Failed() {
			b.Failures = append(b.Failures, fmt.Sprintf("check: the tree has %d error(s)", len(r.Errors)))
		}
		if n := len(r.Errors) + len(r.Warnings); n > 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("check: the tree has %d error(s) and %d warning(s); see %s", len(r.Errors), len(r.Warnings), CheckReport))
		} else {
			b.Notes = append(b.Notes, fmt.Sprintf("check: the tree passes all %d rules (qm-build check --list-rules)", r.Rules))
		}
		return nil
	},
}
