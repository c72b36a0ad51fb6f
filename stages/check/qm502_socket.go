package check

import (
	"path"
)

// QM502: a unix-socket controller is mounted in, and only then.
var ruleQM502 = Rule{
	ID: "QM502", Severity: Error, Group: GroupBlueChi,
	Title: "a unix-socket ControllerAddress has the matching socket Volume= from the host's BlueChi socket, and the socket is mounted only for it",
	Rationale: "With Network=private QM's agent reaches the controller only through the host's socket mounted in (containers/qm " +
		"#390, #705); a socket mounted without an agent using it is a host interface QM does not need ('agent-flood', 'sockets').",
	FFI: []string{"agent-flood", "sockets"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			ctl, hasCtl := c.Agent().Controller()
			var sockVol, match *volumeAt
			for _, m := range v.mounts() {
				if m.Type != "bind" {
					continue
				}
				va := &volumeAt{src: m.Source, dst: m.Destination, chain: m.Chain, raw: m.Raw}
				if va.src == bluechiHostSocket {
					sockVol = va
				}
				if hasCtl && ctl.Unix != "" && va.dst == path.Clean(ctl.Unix) {
					match = va
				}
			}
			switch {
			case hasCtl && ctl.Unix != "" && match == nil:
				return []Finding{at(ctl.Entry.File, ctl.Entry.Line, "ControllerAddress=%s, but QM mounts no socket at %s (want Volume=%s:%s)", ctl.Entry.Value, ctl.Unix, bluechiHostSocket, ctl.Unix)}
			case hasCtl && ctl.Unix != "" && match.src != bluechiHostSocket:
				return []Finding{chainAt(match.chain, "volume %s gives QM's agent %s, not the BlueChi controller socket %s", match.raw, match.src, bluechiHostSocket)}
			case sockVol != nil && (!hasCtl || ctl.Unix == "" || path.Clean(ctl.Unix) != sockVol.dst):
				return []Finding{chainAt(sockVol.chain, "volume %s mounts the BlueChi controller socket, but QM's agent does not use it", sockVol.raw)}
			}
			return nil
		})
	},
}

type volumeAt struct {
	src, dst, raw string
	chain         []Link
}
