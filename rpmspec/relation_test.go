package rpmspec_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func TestParseRelation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want rpmspec.Relation
		err  string
	}{
		{"podman", rpmspec.Relation{Name: "podman"}, ""},
		{"podman >= 4.5", rpmspec.Relation{Name: "podman", Op: ">=", Version: "4.5"}, ""},
		{"qm=1.0-1", rpmspec.Relation{Name: "qm", Op: "=", Version: "1.0-1"}, ""},
		{" qm_x  <  2 ", rpmspec.Relation{Name: "qm_x", Op: "<", Version: "2"}, ""},
		{"a <= 1:2-3", rpmspec.Relation{Name: "a", Op: "<=", Version: "1:2-3"}, ""},
		{"b > 0", rpmspec.Relation{Name: "b", Op: ">", Version: "0"}, ""},
		{"", rpmspec.Relation{}, `relation: "": empty`},
		{"   ", rpmspec.Relation{}, `relation: "": empty`},
		{"podman >=", rpmspec.Relation{}, `relation: "podman >=": operator >= without a version`},
		{">= 4.5", rpmspec.Relation{}, `relation: ">= 4.5": missing name`},
		{"two words >= 1", rpmspec.Relation{}, `relation: "two words >= 1": name must not contain whitespace or commas`},
		{"a = 1 2", rpmspec.Relation{}, `relation: "a = 1 2": malformed version "1 2"`},
		{"a = 1 = 2", rpmspec.Relation{}, `relation: "a = 1 = 2": malformed version "1 = 2"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := rpmspec.ParseRelation(tc.in)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				require.ErrorIs(t, err, rpmspec.ErrInvalid)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			again, err := rpmspec.ParseRelation(got.String())
			require.NoError(t, err)
			require.Equal(t, got, again, "String does not round-trip")
		})
	}
}

func TestRelationsSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
		want string
		err  string
	}{
		{"one", []string{"podman >= 4.5"}, "podman >= 4.5", ""},
		{"comma list", []string{"a, b = 1,c<2"}, "a, b = 1, c < 2", ""},
		{"repeated flag appends", []string{"a", "b >= 2"}, "a, b >= 2", ""},
		{"duplicates are dropped", []string{"a = 1", "a=1", "a = 1, b"}, "a = 1, b", ""},
		{"same name, other version kept", []string{"a = 1", "a = 2"}, "a = 1, a = 2", ""},
		{"empty element", []string{"a,,b"}, "", `relation: "": empty`},
		{"bad element", []string{"a, >= 1"}, "", `relation: ">= 1": missing name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rs rpmspec.Relations
			var err error
			for _, s := range tc.sets {
				if err = rs.Set(s); err != nil {
					break
				}
			}
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, rs.String())
		})
	}
	t.Run("as a repeatable pflag", func(t *testing.T) {
		var rs rpmspec.Relations
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		fs.Var(&rs, "requires", "")
		require.NoError(t, fs.Parse([]string{"--requires", "b >= 2,a", "--requires=c"}))
		require.Equal(t, "relations", rs.Type())
		require.Equal(t, "b >= 2, a, c", rs.String())
		require.Equal(t, "a, b >= 2, c", rs.Sorted().String())
		require.Equal(t, "b >= 2, a, c", rs.String(), "Sorted changed its receiver")
		require.Error(t, fs.Parse([]string{"--requires", "a >="}))
	})
}

// relationSeeds reads testdata/relations.txt.
func relationSeeds(t testing.TB) []string {
	f, err := os.Open("testdata/relations.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			out = append(out, sc.Text())
		}
	}
	return out
}

// FuzzParseRelation: whatever the input, ParseRelation either rejects it as
// bad input or returns a relation that prints and parses back to itself.
func FuzzParseRelation(f *testing.F) {
	for _, s := range relationSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := rpmspec.ParseRelation(s)
		if err != nil {
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			return
		}
		require.NotEmpty(t, r.Name)
		require.False(t, strings.ContainsAny(r.Name, " \t,"), "name %q", r.Name)
		require.Contains(t, []string{"", "<", "<=", "=", ">=", ">"}, r.Op)
		require.Equal(t, r.Op == "", r.Version == "")
		again, err := rpmspec.ParseRelation(r.String())
		require.NoError(t, err, "%q printed as %q", s, r.String())
		require.Equal(t, r, again)
	})
}

func TestValidateVersion(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{"1.0", ""},
		{"1.0~rc1", ""},
		{"2.4.1^git1.abc", ""},
		{"1_0+x", ""},
		{"", `--pkg-version: "" must not be empty`},
		{"1.0-1", `--pkg-version: "1.0-1" must not contain '-' (it separates version from release)`},
		{"1 0", `--pkg-version: "1 0" must not contain whitespace`},
		{"1.0\n", `--pkg-version: "1.0\n" must not contain whitespace`},
		{"\t", `--pkg-version: "\t" must not contain whitespace`},
		{"1.0/2", `--pkg-version: "1.0/2" contains /; use only letters, digits and ._+~^`},
		{"1:0", `--pkg-version: "1:0" contains :; use only letters, digits and ._+~^`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			err := rpmspec.ValidateVersion("--pkg-version", tc.in)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			requireBadInput(t, err, tc.err)
		})
	}
}
