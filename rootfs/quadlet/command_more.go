package quadlet

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
)

// user adds --user and the user namespace mappings (handleUser,
// handleUserMappings, handleUserRemap).
func (c *converter) user() error {
	u, uok := c.v.last(GroupContainer, "User")
	g, gok := c.v.last(GroupContainer, "Group")
	switch {
	case (!uok || u.Value == "") && gok && g.Value != "":
		return &ConvertError{Entry: g, Msg: "invalid Group set without User"}
	case uok && u.Value != "" && gok && g.Value != "":
		c.add(u, "--user", u.Value+":"+g.Value)
	case uok && u.Value != "":
		c.add(u, "--user", u.Value)
	}
	mapped := false
	if e, ok := c.v.last(GroupContainer, "UserNS"); ok && e.Value != "" {
		c.add(e, "--userns", e.Value)
		mapped = true
	}
	for _, kf := range [][2]string{{"UIDMap", "--uidmap"}, {"GIDMap", "--gidmap"}} {
		ws := c.v.strv(GroupContainer, kf[0])
		mapped = mapped || len(ws) > 0
		c.flagWords(kf[0], kf[1], ws)
	}
	for _, kf := range [][2]string{{"SubUIDMap", "--subuidname"}, {"SubGIDMap", "--subgidname"}} {
		if e, ok := c.v.last(GroupContainer, kf[0]); ok && e.Value != "" {
			c.add(e, kf[1], e.Value)
			mapped = true
		}
	}
	if mapped {
		if c.v.has(GroupContainer, "RemapUid") || c.v.has(GroupContainer, "RemapGid") || c.v.has(GroupContainer, "RemapUsers") {
			return &ConvertError{Msg: "deprecated Remap keys are set along with explicit mapping keys"}
		}
		return nil
	}
	return c.remap()
}

func (c *converter) remap() error {
	uids := c.v.strv(GroupContainer, "RemapUid")
	gids := c.v.strv(GroupContainer, "RemapGid")
	mode, _ := c.v.f.LookupEntry(GroupContainer, "RemapUsers")
	switch mode.Value {
	case "":
		if len(uids) > 0 {
			return &ConvertError{Entry: uids[0].From, Msg: "UidMap set without RemapUsers"}
		}
		if len(gids) > 0 {
			return &ConvertError{Entry: gids[0].From, Msg: "GidMap set without RemapUsers"}
		}
	case "manual":
		c.flagWords("RemapUid", "--uidmap", uids)
		c.flagWords("RemapGid", "--gidmap", gids)
	case "auto":
		var opts []string
		for _, w := range uids {
			opts = append(opts, "uidmapping="+w.Value)
		}
		for _, w := range gids {
			opts = append(opts, "gidmapping="+w.Value)
		}
		if e, ok := c.v.last(GroupContainer, "RemapUidSize"); ok {
			if n, err := strconv.ParseInt(e.Value, 0, 64); err == nil && n > 0 && n <= 1<<32-1 {
				opts = append(opts, "size="+strconv.FormatInt(n, 10))
			}
		}
		c.add(mode, "--userns", usernsOpts("auto", opts))
	case "keep-id":
		var opts []string
		if len(uids) > 1 || len(gids) > 1 {
			return &ConvertError{Entry: mode, Msg: "RemapUsers=keep-id supports only a single value for UID and GID mapping"}
		}
		if len(uids) == 1 {
			opts = append(opts, "uid="+uids[0].Value)
		}
		if len(gids) == 1 {
			opts = append(opts, "gid="+gids[0].Value)
		}
		c.add(mode, "--userns", usernsOpts("keep-id", opts))
	default:
		return &ConvertError{Entry: mode, Msg: fmt.Sprintf("unsupported RemapUsers option '%s'", mode.Value)}
	}
	return nil
}

func usernsOpts(kind string, opts []string) string {
	if len(opts) == 0 {
		return kind
	}
	return kind + ":" + strings.Join(opts, ",")
}

// healthKeys map Health*= keys onto --health-* flags (handleHealth).
var healthKeys = [][2]string{
	{"HealthCmd", "cmd"}, {"HealthInterval", "interval"}, {"HealthOnFailure", "on-failure"},
	{"HealthLogDestination", "log-destination"}, {"HealthMaxLogCount", "max-log-count"},
	{"HealthMaxLogSize", "max-log-size"}, {"HealthRetries", "retries"}, {"HealthStartPeriod", "start-period"},
	{"HealthTimeout", "timeout"}, {"HealthStartupCmd", "startup-cmd"}, {"HealthStartupInterval", "startup-interval"},
	{"HealthStartupRetries", "startup-retries"}, {"HealthStartupSuccess", "startup-success"},
	{"HealthStartupTimeout", "startup-timeout"},
}

// rest adds everything after the volumes, in quadlet's order, up to
// PodmanArgs.
func (c *converter) rest() error {
	if e, ok := c.v.last(GroupContainer, "AutoUpdate"); ok && e.Value != "" {
		c.add(e, "--label", "io.containers.autoupdate="+e.Value)
	}
	for _, e := range c.v.all(GroupContainer, "ExposeHostPort") {
		p := strings.TrimSpace(e.Value)
		if !portRange().MatchString(p) {
			return &ConvertError{Entry: e, Msg: fmt.Sprintf("invalid port format '%s'", p)}
		}
		c.add(e, "--expose", p)
	}
	for _, e := range c.v.all(GroupContainer, "PublishPort") {
		c.add(e, "--publish", e.Value)
	}
	c.flagWords("Environment", "--env", c.v.keyVal(GroupContainer, "Environment"))
	c.flagWords("Label", "--label", c.v.keyVal(GroupContainer, "Label"))
	c.flagWords(KeyAnnotation, "--annotation", c.v.keyVal(GroupContainer, KeyAnnotation))
	for _, w := range c.v.args(GroupContainer, "Mask") {
		c.add(w.From, "--security-opt", "mask="+w.Value)
	}
	for _, w := range c.v.args(GroupContainer, "Unmask") {
		c.add(w.From, "--security-opt", "unmask="+w.Value)
	}
	for _, w := range c.v.args(GroupContainer, "EnvironmentFile") {
		c.add(w.From, "--env-file", c.absolute(w.Value))
	}
	c.flagWords("Secret", "--secret", c.v.args(GroupContainer, "Secret"))
	for _, w := range c.v.args(GroupContainer, "Mount") {
		m, err := c.mount(w)
		if err != nil {
			return err
		}
		c.add(w.From, "--mount", m)
	}
	for _, kf := range healthKeys {
		if e, ok := c.v.last(GroupContainer, kf[0]); ok && e.Value != "" {
			c.add(e, "--health-"+kf[1], e.Value)
		}
	}
	if e, ok := c.v.last(GroupContainer, "Pod"); ok && e.Value != "" {
		return &ConvertError{Entry: e, Msg: "Pod= names quadlet unit " + e.Value + ", which is not modelled"}
	}
	for _, w := range c.v.args(GroupContainer, "PodmanArgs") {
		c.add(w.From, w.Value)
	}
	return nil
}

// mount resolves the source of a Mount= (resolveContainerMountParams): for
// bind, glob, volume and image mounts the source is made absolute, becomes a
// RequiresMountsFor= when it is a path, and the value is rewritten with the
// type first.
func (c *converter) mount(w word) (string, error) {
	recs, err := csv.NewReader(strings.NewReader(w.Value)).ReadAll()
	if err != nil || len(recs) != 1 {
		return "", &ConvertError{Entry: w.From, Msg: "incorrect mount format: " + w.Value}
	}
	typ, found := "", false
	var tokens []string
	for _, s := range recs[0] {
		kv := strings.Split(s, "=")
		if found || !(len(kv) == 2 && kv[0] == "type") {
			tokens = append(tokens, s)
			continue
		}
		typ, found = kv[1], true
	}
	if !found {
		return "", &ConvertError{Entry: w.From, Msg: "incorrect mount format (no type=): " + w.Value}
	}
	switch typ {
	case "volume", "bind", "glob", "image":
	default:
		return w.Value, nil
	}
	idx, src := -1, ""
	for i, t := range tokens {
		k, v, hasV := strings.Cut(t, "=")
		if k == "source" || k == "src" {
			if !hasV {
				return "", &ConvertError{Entry: w.From, Msg: "source parameter does not include a value"}
			}
			idx, src = i, v
		}
	}
	if idx < 0 || src == "" {
		return "", &ConvertError{Entry: w.From, Msg: "Mount= of type " + typ + " without a source (quadlet fails on it)"}
	}
	src, err = c.storageSource(w.From, src, true)
	if err != nil {
		return "", err
	}
	tokens[idx] = "source=" + src
	var b strings.Builder
	cw := csv.NewWriter(&b)
	if err := cw.Write(append([]string{"type=" + typ}, tokens...)); err != nil {
		return "", &ConvertError{Entry: w.From, Msg: err.Error()}
	}
	cw.Flush()
	return strings.TrimSuffix(b.String(), "\n"), nil
}
