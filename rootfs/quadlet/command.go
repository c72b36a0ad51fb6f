package quadlet

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// service starts the generated unit: the .container copied, quadlet's
// default dependencies and SourcePath=, the quadlet groups renamed so that
// systemd ignores them.
func (c *converter) service() {
	c.svc = newSvc(c.v.f)
	if c.v.boolDefault(GroupQuadlet, "DefaultDependencies", true) {
		c.svc.prepend(c.gen(GroupUnit, "After", "network-online.target"))
		c.svc.prepend(c.gen(GroupUnit, "Wants", "network-online.target"))
	}
	if c.source != "" {
		c.svc.add(c.gen(GroupUnit, "SourcePath", c.source))
	}
	c.svc.rename(GroupContainer, "X-Container")
	c.svc.rename(GroupQuadlet, "X-Quadlet")
}

// command builds the podman command line and the settings quadlet adds to
// [Service], in quadlet's order.
func (c *converter) command() error {
	image, hasImage := c.v.last(GroupContainer, KeyImage)
	rootfs, hasRootfs := c.v.last(GroupContainer, KeyRootfs)
	switch {
	case image.Value == "" && rootfs.Value == "":
		return &ConvertError{Msg: "no Image or Rootfs key specified"}
	case image.Value != "" && rootfs.Value != "":
		return &ConvertError{Entry: rootfs, Msg: "the Image And Rootfs keys conflict can not be specified together"}
	case hasImage && image.Value != "" && (strings.HasSuffix(image.Value, ".build") || strings.HasSuffix(image.Value, ".image")):
		return &ConvertError{Entry: image, Msg: "Image= names quadlet unit " + image.Value + ", which is not modelled"}
	}
	_ = hasRootfs
	c.svc.add(c.gen(GroupService, "Environment", "PODMAN_SYSTEMD_UNIT=%n"))
	if km, ok := c.svc.lookup(GroupService, "KillMode"); !ok || (trim(km.Value) != "mixed" && trim(km.Value) != "control-group") {
		if ok {
			return &ConvertError{Entry: km, Msg: fmt.Sprintf("invalid KillMode '%s'", trim(km.Value))}
		}
		c.svc.set(c.gen(GroupService, "KillMode", "mixed"))
	}
	c.svc.add(c.gen(GroupUnit, "RequiresMountsFor", "%t/containers"))
	c.argv = c.stopCommands()
	c.fixed("run")
	name, nameOK := c.v.last(GroupContainer, KeyContainerName)
	if !nameOK || name.Value == "" {
		name = unitfile.Entry{Value: "systemd-%N"}
		if strings.Contains(c.name, "@") {
			name.Value = "systemd-%p_%i"
		}
	}
	c.add(name, "--name", name.Value)
	c.fixed("--cidfile=%t/%N.cid", "--replace", "--rm")
	if e, ok := c.v.last(GroupContainer, "LogDriver"); ok {
		c.add(e, "--log-driver", e.Value)
	}
	c.flagWords("LogOpt", "--log-opt", c.v.strv(GroupContainer, "LogOpt"))
	c.svc.add(c.gen(GroupService, "Delegate", "yes"))
	if e, ok := c.v.last(GroupContainer, "CgroupsMode"); ok && e.Value != "" {
		c.add(e, "--cgroups", e.Value)
	} else {
		c.fixed("--cgroups=split")
	}
	c.simpleKeys()
	if err := c.networks(); err != nil {
		return err
	}
	if err := c.notify(); err != nil {
		return err
	}
	if !c.v.has(GroupService, "SyslogIdentifier") {
		c.svc.set(c.gen(GroupService, "SyslogIdentifier", "%N"))
	}
	c.security()
	if err := c.user(); err != nil {
		return err
	}
	if err := c.volumes(); err != nil {
		return err
	}
	if err := c.rest(); err != nil {
		return err
	}
	if image.Value != "" {
		c.add(image, image.Value)
	} else {
		c.add(rootfs, "--rootfs", rootfs.Value)
	}
	if ws, ok := c.v.lastArgs(GroupContainer, KeyExec); ok {
		for _, w := range ws {
			c.add(w.From, w.Value)
		}
	}
	c.g.ExecStart = c.argv
	c.svc.add(c.gen(GroupService, "ExecStart", quote(c.argv)))
	c.g.Service = c.svc.file(c.g.Path)
	return nil
}

// stopCommands adds ExecStop= and ExecStopPost= (podman rm of the container)
// and returns the base command the run line starts from.
func (c *converter) stopCommands() []Arg {
	base := c.baseCommand()
	stop := append(append([]Arg(nil), base...), c.words("rm", "-v", "-f", "-i", "--cidfile=%t/%N.cid")...)
	c.svc.add(c.gen(GroupService, "ExecStop", quote(stop)))
	stop[0].Value = "-" + stop[0].Value
	c.svc.add(c.gen(GroupService, "ExecStopPost", quote(stop)))
	return base
}

func trim(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }

func quote(args []Arg) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = a.Value
	}
	return unitfile.QuoteWords(words)
}

func (c *converter) words(ws ...string) []Arg {
	out := make([]Arg, len(ws))
	for i, w := range ws {
		out[i] = Arg{Value: w}
	}
	return out
}

// baseCommand is podman with the containers.conf modules and GlobalArgs.
func (c *converter) baseCommand() []Arg {
	out := []Arg{{Value: c.o.Binary}}
	for _, e := range c.v.all(GroupContainer, "ContainersConfModule") {
		out = append(out, Arg{Value: "--module=" + e.Value, From: e})
	}
	for _, w := range c.v.args(GroupContainer, "GlobalArgs") {
		out = append(out, Arg{Value: w.Value, From: w.From})
	}
	return out
}

// flagWords adds "flag value" for every word.
func (c *converter) flagWords(_ string, flag string, ws []word) {
	for _, w := range ws {
		c.add(w.From, flag, w.Value)
	}
}

// String, list and boolean keys that map straight onto one podman flag
// (quadlet's stringKeys, allStringsKeys and boolKeys; quadlet walks them in
// map order, so their relative order varies from run to run).
var (
	stringFlags = [][2]string{{"Timezone", "--tz"}, {"PidsLimit", "--pids-limit"}, {"ShmSize", "--shm-size"},
		{"Entrypoint", "--entrypoint"}, {"WorkingDir", "--workdir"}, {"IP", "--ip"}, {"IP6", "--ip6"},
		{"HostName", "--hostname"}, {"StopSignal", "--stop-signal"}, {"StopTimeout", "--stop-timeout"}, {"Pull", "--pull"}}
	listFlags = [][2]string{{"NetworkAlias", "--network-alias"}, {"Ulimit", "--ulimit"}, {"DNS", "--dns"},
		{"DNSOption", "--dns-option"}, {"DNSSearch", "--dns-search"}, {"GroupAdd", "--group-add"},
		{"AddHost", "--add-host"}, {"Tmpfs", "--tmpfs"}}
	boolFlags = [][2]string{{"RunInit", "--init"}, {"EnvironmentHost", "--env-host"}, {"ReadOnlyTmpfs", "--read-only-tmpfs"}}
)

func (c *converter) simpleKeys() {
	for _, kf := range stringFlags {
		if e, ok := c.v.last(GroupContainer, kf[0]); ok && e.Value != "" {
			c.add(e, kf[1], e.Value)
		}
	}
	for _, kf := range listFlags {
		for _, e := range c.v.all(GroupContainer, kf[0]) {
			c.add(e, kf[1], e.Value)
		}
	}
	for _, kf := range boolFlags {
		if b, ok, e := c.v.boolean(GroupContainer, kf[0]); ok {
			c.addBool(e, kf[1], b)
		}
	}
}

func (c *converter) addBool(e unitfile.Entry, flag string, b bool) {
	if b {
		c.add(e, flag)
	} else {
		c.add(e, flag+"=false")
	}
}

func (c *converter) networks() error {
	for _, e := range c.v.all(GroupContainer, KeyNetwork) {
		n, _, _ := strings.Cut(e.Value, ":")
		if strings.HasSuffix(n, ".network") || strings.HasSuffix(n, ".container") {
			return &ConvertError{Entry: e, Msg: "Network= names quadlet unit " + n + ", which is not modelled"}
		}
		c.add(e, "--network", e.Value)
	}
	return nil
}

func (c *converter) notify() error {
	t, ok := c.svc.lookup(GroupService, "Type")
	tv := trim(t.Value)
	if ok && tv != "notify" && tv != "oneshot" {
		return &ConvertError{Entry: t, Msg: fmt.Sprintf("invalid service Type '%s'", tv)}
	}
	if tv == "oneshot" {
		return nil
	}
	n, nok := c.v.last(GroupContainer, "Notify")
	switch {
	case nok && strings.EqualFold(n.Value, "healthy"):
		c.add(n, "--sdnotify=healthy")
	case c.v.boolDefault(GroupContainer, "Notify", false):
		c.add(n, "--sdnotify=container")
	default:
		c.fixed("--sdnotify=conmon")
	}
	c.svc.set(c.gen(GroupService, "Type", "notify"))
	c.svc.set(c.gen(GroupService, "NotifyAccess", "all"))
	c.fixed("-d")
	return nil
}

// security adds the SELinux, device, seccomp, capability, sysctl and
// read-only flags.
func (c *converter) security() {
	if b, _, e := c.v.boolean(GroupContainer, "NoNewPrivileges"); b {
		c.add(e, "--security-opt=no-new-privileges")
	}
	if b, _, e := c.v.boolean(GroupContainer, "SecurityLabelDisable"); b {
		c.add(e, "--security-opt", "label=disable")
	}
	if b, _, e := c.v.boolean(GroupContainer, KeySecurityLabelNested); b {
		c.add(e, "--security-opt", "label=nested")
	}
	for _, kv := range [][2]string{{KeySecurityLabelType, "type"}, {KeySecurityLabelFileType, "filetype"}, {KeySecurityLabelLevel, "level"}} {
		if e, ok := c.v.last(GroupContainer, kv[0]); ok && e.Value != "" {
			c.add(e, "--security-opt", "label="+kv[1]+":"+e.Value)
		}
	}
	for _, w := range c.v.strv(GroupContainer, KeyAddDevice) {
		dev := w.Value
		if strings.HasPrefix(dev, "-") {
			dev = dev[1:]
			host, _, _ := strings.Cut(dev, ":")
			if c.o.DeviceExists != nil && !c.o.DeviceExists(host) {
				continue
			}
		}
		c.add(w.From, "--device", dev)
	}
	if e, ok := c.v.last(GroupContainer, KeySeccompProfile); ok {
		c.add(e, "--security-opt", "seccomp="+e.Value)
	}
	for _, w := range c.v.strv(GroupContainer, KeyDropCapability) {
		c.add(w.From, "--cap-drop", strings.ToLower(w.Value))
	}
	for _, w := range c.v.strv(GroupContainer, KeyAddCapability) {
		c.add(w.From, "--cap-add", strings.ToLower(w.Value))
	}
	c.flagWords(KeySysctl, "--sysctl", c.v.strv(GroupContainer, KeySysctl))
	readOnly, ok, e := c.v.boolean(GroupContainer, KeyReadOnly)
	if ok {
		c.addBool(e, "--read-only", readOnly)
	}
	if b, _, e := c.v.boolean(GroupContainer, "VolatileTmp"); b && !readOnly {
		c.add(e, "--tmpfs", "/tmp:rw,size=512M,mode=1777")
	}
}

// volumes adds -v for every Volume=; an absolute host path becomes a
// RequiresMountsFor= of the service.
func (c *converter) volumes() error {
	for _, e := range c.v.all(GroupContainer, KeyVolume) {
		parts := strings.SplitN(e.Value, ":", 3)
		src, dst, opts := "", parts[0], ""
		if len(parts) >= 2 {
			src, dst = parts[0], parts[1]
		}
		if len(parts) == 3 {
			opts = ":" + parts[2]
		}
		if src != "" {
			var err error
			if src, err = c.storageSource(e, src, false); err != nil {
				return err
			}
		}
		if src == "" {
			c.add(e, "-v", dst)
		} else {
			c.add(e, "-v", src+":"+dst+opts)
		}
	}
	return nil
}

// storageSource resolves a volume or mount source (handleStorageSource).
func (c *converter) storageSource(e unitfile.Entry, src string, checkImage bool) (string, error) {
	if strings.HasPrefix(src, ".") {
		src = c.absolute(src)
	}
	switch {
	case strings.HasPrefix(src, "/"):
		c.svc.add(unitfile.Entry{Section: GroupUnit, Key: "RequiresMountsFor", Value: src, File: e.File, Line: e.Line})
	case strings.HasSuffix(src, ".volume") || checkImage && strings.HasSuffix(src, ".image"):
		return "", &ConvertError{Entry: e, Msg: "names quadlet unit " + src + ", which is not modelled"}
	}
	return src, nil
}

// absolute resolves a relative file name against the unit's directory
// (getAbsolutePath), unless it starts with a specifier.
func (c *converter) absolute(p string) string {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "%") && !strings.HasPrefix(p, "%%") {
		return p
	}
	if c.source != "" {
		return path.Join(path.Dir(c.source), p)
	}
	return path.Join("/", p)
}

var portRange = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d+(-\d+)?(/udp|/tcp)?$`) })
