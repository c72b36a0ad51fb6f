package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/osbuild/images/pkg/rpmmd"

	"github.com/qm-build/qm-build/rpmspec"
)

// resolve picks each pipeline's packages from the lock, with own (qm-build's
// packages built in this run, e.g. from OUT/rpms) taking the place of the
// lock's entries of the same name. A requested package the lock lacks, a
// package for another architecture, a lock made for another target or an
// own package whose requirements the lock cannot meet is an error naming the
// package; every problem is reported.
func (m *Manifest) resolve(lock *blueprints.Lock, own []blueprints.LockedPackage) (map[string]rpmmd.PackageList, error) {
	var errs rpmspec.Errors
	if lock.Distro != "" && lock.Distro != m.distro.Name || lock.Arch != "" && lock.Arch != m.arch {
		errs = append(errs, &rpmspec.InputError{File: lock.Name(), Field: "distro/arch", Msg: fmt.Sprintf("the lock was made for %s/%s, the manifest is for %s/%s", lock.Distro, lock.Arch, m.distro.Name, m.arch)})
	}
	repos := lockRepos(lock)
	ownByName := map[string]blueprints.LockedPackage{}
	for _, p := range own {
		ownByName[p.Name] = p
	}
	out := map[string]rpmmd.PackageList{}
	for _, r := range m.requests {
		list, ok := lock.Pipelines[r.Pipeline]
		if !ok {
			errs = append(errs, &rpmspec.InputError{File: lock.Name(), Field: "pipelines", Msg: fmt.Sprintf("the lock has no %s pipeline; its packages are unresolved: %s", r.Pipeline, wantNames(r.Packages))})
			continue
		}
		list, replaced := m.withOwn(list, r, ownByName)
		for _, w := range r.Packages {
			if !anyMatch(list, w) {
				errs = append(errs, lock.Missing(r.Pipeline, w, list))
			}
		}
		errs = append(errs, m.checkOwnRequires(lock, r.Pipeline, list, replaced)...)
		pkgs := rpmmd.PackageList{}
		for i, p := range list {
			if p.Arch != m.arch && p.Arch != "noarch" {
				errs = append(errs, lock.ErrAt(r.Pipeline, i, "pipelines."+r.Pipeline, "package %s is built for %s; the manifest is for %s", p.NEVRA(), p.Arch, m.arch))
			}
			pkgs = append(pkgs, toRPMMD(lock, p, repos))
		}
		sort.SliceStable(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
		out[r.Pipeline] = pkgs
	}
	return out, errs.Err()
}

// withOwn replaces the lock's entries for the own packages this request
// wants, and returns the names it put in.
func (m *Manifest) withOwn(list []blueprints.LockedPackage, r blueprints.Request, own map[string]blueprints.LockedPackage) ([]blueprints.LockedPackage, []string) {
	var put []string
	want := map[string]bool{}
	for _, w := range r.Packages {
		if _, ok := own[w.Name]; ok && w.Own {
			want[w.Name] = true
			put = append(put, w.Name)
		}
	}
	if len(put) == 0 {
		return list, nil
	}
	out := make([]blueprints.LockedPackage, 0, len(list)+len(put))
	for _, p := range list {
		if !want[p.Name] {
			out = append(out, p)
		}
	}
	for _, n := range put {
		out = append(out, own[n])
	}
	return out, put
}

// checkOwnRequires makes sure the lock meets the plain-name requirements of
// the own packages put in by withOwn (a lock made with them would hold their
// dependencies; one made without may not).
func (m *Manifest) checkOwnRequires(lock *blueprints.Lock, pipeline string, list []blueprints.LockedPackage, put []string) rpmspec.Errors {
	var errs rpmspec.Errors
	have := map[string]bool{}
	for _, p := range list {
		have[p.Name] = true
	}
	for _, name := range put {
		pkg := m.opts.Content.Package(name)
		if pkg == nil {
			continue
		}
		for _, rel := range pkg.Requires {
			if strings.ContainsAny(rel.Name, "/()") || have[rel.Name] {
				continue
			}
			errs = append(errs, lock.ErrAt(pipeline, -1, "pipelines."+pipeline, "package %q (required by %s) is missing from the lock", rel.Name, name))
		}
	}
	return errs
}

func anyMatch(list []blueprints.LockedPackage, w blueprints.Want) bool {
	if strings.HasPrefix(w.Name, "@") {
		return true // a comps group: its members are in the transaction
	}
	for _, p := range list {
		if w.Matches(p) {
			return true
		}
	}
	return false
}

func wantNames(ws []blueprints.Want) string {
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}

// urlRepo stands for packages that name their URL instead of a repo: images
// needs every package to point at a repository configuration.
var urlRepo = rpmmd.RepoConfig{Id: "qm-build-url"}

func lockRepos(l *blueprints.Lock) map[string]*rpmmd.RepoConfig {
	out := map[string]*rpmmd.RepoConfig{}
	for _, r := range l.Repos {
		check := r.CheckGPG
		out[r.ID] = &rpmmd.RepoConfig{Id: r.ID, BaseURLs: []string{r.BaseURL}, GPGKeys: r.GPGKeys, CheckGPG: &check}
	}
	return out
}

func toRPMMD(l *blueprints.Lock, p blueprints.LockedPackage, repos map[string]*rpmmd.RepoConfig) rpmmd.Package {
	repo, ok := repos[p.Repo]
	if !ok {
		repo = &urlRepo
	}
	return rpmmd.Package{
		Name: p.Name, Epoch: p.Epoch, Version: p.Version, Release: p.Release, Arch: p.Arch,
		Location:        p.Location,
		RemoteLocations: []string{l.URLOf(p)},
		Checksum:        rpmmd.Checksum{Type: "sha256", Value: strings.TrimPrefix(p.Checksum, "sha256:")},
		RepoID:          repo.Id,
		Repo:            repo,
		CheckGPG:        repo.CheckGPG != nil && *repo.CheckGPG,
	}
}
