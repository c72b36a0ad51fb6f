package stages

import (
	"context"

	"github.com/qm-build/qm-build/rootfs"
)

// Compose turns the plan and facts into Content: every package and tree file,
// as data, for the stages after it.
var Compose = Stage{
	Name:   "compose",
	Reads:  []string{"plan", "facts"},
	Writes: []string{"content"},
	Run: func(ctx context.Context, b *Build) error {
		c, err := rootfs.Compose(b.Plan, b.Facts)
		if err != nil {
			return err
		}
		b.Content = c
		b.Notes = append(b.Notes, c.Notes...)
		return nil
	},
}
