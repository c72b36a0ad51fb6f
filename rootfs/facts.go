package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/bluechi"
	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// Paths ReadFacts looks at.
const (
	LocaltimePath = "/etc/localtime"
	TimezonePath  = "/etc/timezone"
	zoneinfoDir   = "zoneinfo/"
)

// ReadFacts reads what the build learns from a target tree, through the
// tree's os.Root (so a planted symlink cannot make it read outside):
//
//   - HostNodeName: the host BlueChi agent's NodeName, from
//     /etc/bluechi/agent.conf and /etc/bluechi/agent.conf.d/*.conf (later files
//     win); a file that does not parse is bad input naming its file:line;
//   - Timezone: the zone /etc/localtime links to (…/zoneinfo/Europe/Berlin),
//     else the zone named in /etc/timezone;
//   - Seccomp: /usr/share/containers/seccomp.json.
//
// Missing files are not errors. PolicyModule is left alone (the selinux stage
// sets it).
func ReadFacts(t *Tree) (Facts, error) {
	var f Facts
	var err error
	if f.HostNodeName, err = readHostNodeName(t); err != nil {
		return Facts{}, err
	}
	if f.Timezone, err = readTimezone(t); err != nil {
		return Facts{}, err
	}
	if f.Seccomp, err = readOptional(t, seccomp.BasePath); err != nil {
		return Facts{}, err
	}
	return f, nil
}

// readOptional reads an image path; a missing file gives nil, nil.
func readOptional(t *Tree, p string) ([]byte, error) {
	b, err := t.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(t.Dir(), p), err)
	}
	return b, nil
}

func readHostNodeName(t *Tree) (string, error) {
	parse := func(p string) (*unitfile.File, error) {
		data, err := readOptional(t, p)
		if err != nil || data == nil {
			return nil, err
		}
		return unitfile.ParseBytes(data, filepath.Join(t.Dir(), p))
	}
	base, err := parse(bluechi.HostConf)
	if err != nil {
		return "", err
	}
	names, err := t.readDirNames(bluechi.HostConfDir)
	if err != nil {
		return "", err
	}
	var dropins []*unitfile.File
	for _, n := range names {
		if !strings.HasSuffix(n, ".conf") {
			continue
		}
		d, err := parse(path.Join(bluechi.HostConfDir, n))
		if err != nil {
			return "", err
		}
		if d != nil {
			dropins = append(dropins, d)
		}
	}
	name, _ := bluechi.HostNodeName(base, dropins)
	return name, nil
}

// readDirNames lists a directory of the tree, sorted; a missing directory
// gives none.
func (t *Tree) readDirNames(p string) ([]string, error) {
	r, err := rel(p)
	if err != nil {
		return nil, err
	}
	d, err := t.root.Open(r)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(t.dir, p), err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(t.dir, p), err)
	}
	sort.Strings(names)
	return names, nil
}

func readTimezone(t *Tree) (string, error) {
	r, _ := rel(LocaltimePath)
	target, err := t.root.Readlink(r)
	if err == nil {
		if i := strings.LastIndex(target, zoneinfoDir); i >= 0 {
			if zone := target[i+len(zoneinfoDir):]; ValidTimezone(zone) == nil {
				return zone, nil
			}
		}
	}
	data, err := readOptional(t, TimezonePath)
	if err != nil || data == nil {
		return "", err
	}
	zone := strings.TrimSpace(string(data))
	if ValidTimezone(zone) != nil {
		return "", nil
	}
	return zone, nil
}
