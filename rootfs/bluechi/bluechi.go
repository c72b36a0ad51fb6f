package bluechi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
)

// The agent configuration's section and keys (bluechi-agent.conf(5)).
const (
	Section              = "bluechi-agent"
	KeyNodeName          = "NodeName"
	KeyControllerHost    = "ControllerHost"
	KeyControllerPort    = "ControllerPort"
	KeyControllerAddress = "ControllerAddress"
)

// Paths as on the image.
const (
	HostConf    = "/etc/bluechi/agent.conf"
	HostConfDir = "/etc/bluechi/agent.conf.d"
	// QMConfDir is QM's /etc/bluechi/agent.conf.d, seen from the host.
	QMConfDir = rpmspec.QMEtc + "/bluechi/agent.conf.d"
	// QMConf is QM's agent configuration (upstream QM's file name).
	QMConf = QMConfDir + "/agent.conf"
	// QMWants enables bluechi-agent.service inside QM: QM's /etc is the host's
	// /etc/qm, and the unit's [Install] section says WantedBy=multi-user.target.
	QMWants = rpmspec.QMEtc + "/systemd/system/multi-user.target.wants/bluechi-agent.service"
	// QMUnit is the agent's unit inside QM, the target of QMWants.
	QMUnit = "/usr/lib/systemd/system/bluechi-agent.service"
)

// DefaultPort is the controller's TCP port when only a host is given.
const DefaultPort = 842

// DefaultName is the node name used when neither the user nor the target tree
// gives one; upstream QM's CI names its QM node qm.localrootfs.
const DefaultName = "localrootfs"

// Prefix is what QM's node name starts with.
const Prefix = "qm."

// Options configure QM's agent.
type Options struct {
	// Name is the host's node name; QM's agent is Prefix+Name.
	Name string
	// ControllerHost and ControllerPort reach the controller by TCP.
	ControllerHost string
	ControllerPort int
	// ControllerSocket reaches it through the host's unix socket instead.
	ControllerSocket bool
}

// NodeName is QM's node name for a host name.
func NodeName(name string) string { return Prefix + name }

// AgentConf renders QM's agent configuration.
func AgentConf(o Options) *unitfile.File {
	f := unitfile.New(QMConf)
	f.AddComment("", "QM's BlueChi agent, written by qm-build. Inside QM this is")
	f.AddComment("", "/etc/bluechi/agent.conf.d/agent.conf.")
	f.Add(Section, KeyNodeName, NodeName(o.Name))
	switch {
	case o.ControllerSocket:
		f.Add(Section, KeyControllerAddress, "unix:path="+quadlet.BlueChiQMSocket)
	case o.ControllerHost != "":
		port := o.ControllerPort
		if port == 0 {
			port = DefaultPort
		}
		f.Add(Section, KeyControllerHost, o.ControllerHost)
		f.Add(Section, KeyControllerPort, strconv.Itoa(port))
	}
	return f
}

// Notes are what the user must do on the controller's side.
func Notes(o Options) []string {
	node := NodeName(o.Name)
	if o.ControllerSocket {
		return []string{fmt.Sprintf("BlueChi: QM's agent %s reaches the controller over %s; the controller must allow it (AllowedNodeNames=%s) and listen on that unix socket", node, quadlet.BlueChiHostSocket, node)}
	}
	if o.ControllerHost == "" {
		return []string{fmt.Sprintf("BlueChi: QM's agent %s has no controller address (give --controller-host or --controller-socket); the controller must allow it (AllowedNodeNames=%s)", node, node)}
	}
	return []string{fmt.Sprintf("BlueChi: the controller must allow QM's agent (AllowedNodeNames=%s)", node)}
}

// HostNodeName returns the host agent's NodeName from its configuration: base
// (HostConf, or nil when the tree has none) with the HostConfDir/*.conf
// drop-ins applied in file-name order (a later file wins). An empty NodeName
// counts as absent; a name already starting with "qm." loses that prefix.
func HostNodeName(base *unitfile.File, dropins []*unitfile.File) (string, bool) {
	if base == nil {
		base = unitfile.New(HostConf)
	}
	v, ok := unitfile.Merge(base, dropins...).Lookup(Section, KeyNodeName)
	v = strings.TrimPrefix(v, Prefix)
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

// ValidName checks a node name for use as qm.<name>: letters, digits, '-' and
// '.', as a DNS name (RFC 1123): labels of 1 to 63 characters that neither
// start nor end with '-', 253 characters in all with the prefix.
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("is empty")
	case len(Prefix+name) > 253:
		return fmt.Errorf("%q is longer than %d characters", name, 253-len(Prefix))
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" {
			return fmt.Errorf("%q has an empty label (leading, trailing or doubled '.')", name)
		}
		if len(label) > 63 {
			return fmt.Errorf("%q has a label longer than 63 characters", name)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q has a label starting or ending with '-'", name)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q contains %q; use letters, digits, '-' and '.'", name, c)
			}
		}
	}
	return nil
}
