package manifest

import (
	"testing"

	"github.com/osbuild/images/pkg/pathpolicy"
	"github.com/osbuild/images/pkg/policies"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rootfs"
)

// TestPolicyCopiesMatchImages: blueprints keeps its own copies of images'
// customization policies so that it need not import osbuild/images; each copy
// must decide every path as images' table does, with the same error text.
// The paths are every entry of either table, a child, a sibling sharing a
// prefix and a grandchild of each, odd spellings, system paths a newer
// images might list, and every path qm-build writes for the kvm plan.
func TestPolicyCopiesMatchImages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ours   *blueprints.PathPolicy
		images *pathpolicy.PathPolicies
	}{
		{"CustomFilesPolicies", blueprints.FilesPolicy(), policies.CustomFilesPolicies},
		{"CustomDirectoriesPolicies", blueprints.DirectoriesPolicy(), policies.CustomDirectoriesPolicies},
		{"FragmentPolicy", blueprints.FragmentPolicy(), pathpolicy.NewPathPolicies(map[string]pathpolicy.PathPolicy{
			"/": {Deny: true}, "/etc": {},
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paths := policyCorpus(t, tc.ours)
			for _, p := range paths {
				want := tc.images.Check(p)
				got := tc.ours.Check(p)
				if want == nil {
					require.NoError(t, got, p)
					continue
				}
				require.EqualError(t, got, want.Error(), p)
			}
		})
	}
}

func policyCorpus(t *testing.T, pp *blueprints.PathPolicy) []string {
	paths := []string{"", "/", "etc", "//etc", "/etc/", "/etc/./x", "/etc/../usr", "/usr/localx", "/usr/local",
		"/usr/local/bin/x", "/etc/passwd.d/x", "/etc/passwdx", "/var", "/var/qm", "/var/run/x", "/home/u",
		// Paths a newer images might add to its tables.
		"/etc/gshadow", "/etc/sudoers", "/etc/hostname", "/etc/machine-id", "/etc/selinux/config", "/opt/x", "/srv/x",
		"/root/x", "/var/lib/x", "/var/log/x", "/var/lock/x", "/var/cache/x", "/mnt/x", "/media/x", "/boot/efi/x"}
	for _, p := range append(pp.Paths(), blueprints.FilesPolicy().Paths()...) {
		paths = append(paths, p, p+"/x", p+"x", p+"/a/b")
	}
	c := compose(t, rootfs.Options{Dropins: []string{"kvm"}})
	for _, f := range c.Tree {
		paths = append(paths, f.Path)
	}
	for _, p := range c.Packages {
		for _, f := range p.Files {
			paths = append(paths, f.Path)
		}
	}
	return paths
}
