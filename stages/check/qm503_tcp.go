package check

import (
	"net"
	"strings"
)

// QM503: QM's agent talks TCP only to loopback or an allowed controller.
var ruleQM503 = Rule{
	ID: "QM503", Severity: Error, Group: GroupBlueChi,
	Title: "no TCP controller at a non-loopback address unless the build or the allow file names it",
	Rationale: "A TCP controller address opens QM's agent to the network; QM is confined to a private network namespace " +
		"('tcp_max_syn_backlog', 'agent-flood' FFI tests), so a remote controller must be a reviewed exception.",
	FFI: []string{"agent-flood", "tcp_max_syn_backlog"},
	Check: func(c *Context) []Finding {
		ctl, ok := c.Agent().Controller()
		if !ok || ctl.Host == "" || isLoopback(ctl.Host) {
			return nil
		}
		port := ""
		if e, ok := c.Agent().File.LookupEntry(agentSection, "ControllerPort"); ok {
			port = e.Value
		}
		if strings.Contains(ctl.Entry.Value, "port=") {
			for _, kv := range strings.Split(ctl.Entry.Value, ",") {
				if v, ok := strings.CutPrefix(kv, "port="); ok {
					port = v
				}
			}
		}
		for _, a := range c.Policy.TCPControllers {
			if a == ctl.Host || (port != "" && a == net.JoinHostPort(ctl.Host, port)) {
				return nil
			}
		}
		return []Finding{at(ctl.Entry.File, ctl.Entry.Line, "%s=%s: TCP controller %s is not loopback and not allowed (tcp-controller in the allow file)", ctl.Entry.Key, ctl.Entry.Value, ctl.Host)}
	},
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
