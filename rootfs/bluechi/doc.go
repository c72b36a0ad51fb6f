// Package bluechi writes the configuration of QM's own BlueChi agent, the
// node that lets a BlueChi controller on the host manage units inside QM
// (bluechi-agent.conf(5)). Inside QM the file is
// /etc/bluechi/agent.conf.d/agent.conf; on the host it lives under /etc/qm.
//
// The agent is named qm.<name>, where <name> is the host's node name: given
// by the user, or read from the host agent's NodeName in the target tree
// (/etc/bluechi/agent.conf and /etc/bluechi/agent.conf.d/*.conf, merged in
// file-name order like systemd drop-ins). It reaches the controller either by
// TCP (ControllerHost/ControllerPort) or through the controller's unix socket,
// mounted into QM by a quadlet drop-in (ControllerAddress=unix:path=…);
// upstream QM's CI uses that socket because QM's private network cannot reach
// the host's loopback.
package bluechi
