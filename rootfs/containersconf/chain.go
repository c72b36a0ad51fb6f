package containersconf

import (
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

// Chain names where a podman reads its containers.conf files.
type Chain struct {
	// Usr and Etc are the distribution's and the administrator's files.
	Usr, Etc string
	// Home is root's per-user file ($HOME/.config/containers/containers.conf).
	Home string
	// ModuleDirs are where relative --module names are looked up, in order.
	ModuleDirs []string
}

// Host is the chain of the host's root podman (QM's own container).
func Host() Chain {
	return Chain{
		Usr:        "/usr/share/containers/containers.conf",
		Etc:        "/etc/containers/containers.conf",
		Home:       "/root/.config/containers/containers.conf",
		ModuleDirs: []string{"/etc/containers/containers.conf.modules", "/usr/share/containers/containers.conf.modules"},
	}
}

// Under is the same chain for a podman whose root is at prefix, with /etc at
// etc (QM's nested podman: the rootfs, with /etc/qm as its /etc).
func (c Chain) Under(prefix, etc string) Chain {
	re := func(p string) string {
		if rest, ok := strings.CutPrefix(p, "/etc/"); ok && etc != "" {
			return path.Join(etc, rest)
		}
		return path.Join(prefix, p)
	}
	out := Chain{Usr: re(c.Usr), Etc: re(c.Etc), Home: re(c.Home)}
	for _, d := range c.ModuleDirs {
		out.ModuleDirs = append(out.ModuleDirs, re(d))
	}
	return out
}

// Env is the part of podman's environment that changes the chain.
type Env struct {
	// Conf and Override are CONTAINERS_CONF and CONTAINERS_CONF_OVERRIDE.
	Conf, Override string
}

// Files lists the chain's files that exist, in the order podman merges them.
// Modules that cannot be found are problems (podman fails on them).
func (c Chain) Files(fsys imagefs.FS, env Env, modules []string) ([]string, []Problem) {
	var files []string
	var problems []Problem
	exists := func(p string) bool { _, err := fsys.ReadFile(p); return err == nil }
	if env.Conf != "" {
		if !exists(env.Conf) {
			problems = append(problems, Problem{Path: env.Conf, Msg: "CONTAINERS_CONF names a missing file: podman fails"})
		} else {
			files = append(files, env.Conf)
		}
	} else {
		for _, main := range []string{c.Usr, c.Etc, c.Home} {
			if exists(main) {
				files = append(files, main)
			}
			if main != c.Usr {
				files = append(files, confDir(fsys, main+".d")...)
			}
		}
	}
	for _, m := range modules {
		p := c.module(m, exists)
		if p == "" {
			problems = append(problems, Problem{Path: m, Msg: "containers.conf module " + m + " not found: podman fails"})
			continue
		}
		files = append(files, p)
	}
	if env.Override != "" {
		if exists(env.Override) {
			files = append(files, env.Override)
		} else {
			problems = append(problems, Problem{Path: env.Override, Msg: "CONTAINERS_CONF_OVERRIDE names a missing file: podman fails"})
		}
	}
	return files, problems
}

func (c Chain) module(m string, exists func(string) bool) string {
	if strings.HasPrefix(m, "/") {
		if exists(m) {
			return m
		}
		return ""
	}
	for _, d := range c.ModuleDirs {
		if p := path.Join(d, m); exists(p) {
			return p
		}
	}
	return ""
}

// confDir lists the *.conf files of a .d directory, in name order (not
// recursing).
func confDir(fsys imagefs.FS, d string) []string {
	entries, err := fsys.ReadDir(d)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.Dir && strings.HasSuffix(e.Name, ".conf") {
			out = append(out, path.Join(d, e.Name))
		}
	}
	sort.Strings(out)
	return out
}
