package qmstage

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// compileStageSchema compiles the stage schema osbuild would build from the
// meta file, as JSON Schema draft 4 (osbuild uses jsonschema.Draft4Validator).
func compileStageSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	data, err := StageSchema()
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	require.NoError(t, c.AddResource("org.osbuild.qm.json", doc))
	s, err := c.Compile("org.osbuild.qm.json")
	require.NoError(t, err, "the stage schema is not valid JSON Schema draft 4")
	return s
}

// schemaAccepts validates a stage object {"type": "org.osbuild.qm",
// "options": options} as osbuild does before it runs the stage.
func schemaAccepts(t testing.TB, s *jsonschema.Schema, options string) (bool, error) {
	t.Helper()
	stage := `{"type": "org.osbuild.qm", "options": ` + options + `}`
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(stage))
	require.NoError(t, err, "row is not JSON: %s", options)
	err = s.Validate(inst)
	return err == nil, err
}

// goAccepts runs the stage's own parsing: strict decoding, then the plan.
func goAccepts(t testing.TB, cat *rpmspec.Catalog, options string) (bool, error) {
	t.Helper()
	o, err := DecodeOptions([]byte(options))
	if err != nil {
		return false, err
	}
	if _, err := Plan(o, cat); err != nil {
		return false, err
	}
	return true, nil
}

func TestMetaFile(t *testing.T) {
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(MetaJSON(), &m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	require.Equal(t, []string{"description", "schema_2", "summary"}, keys, "osbuild reads summary, description and schema_2")

	meta, err := ParseMeta()
	require.NoError(t, err)
	require.NotEmpty(t, meta.Summary)
	require.NotEmpty(t, meta.Description)
	require.NotEmpty(t, meta.Schema2.Options)
	compileStageSchema(t)
}

// TestSchemaPropertiesAreTheOptions keeps the schema's properties, the
// decoder's table and the Options struct's json tags the same list, in the
// same order, each documented.
func TestSchemaPropertiesAreTheOptions(t *testing.T) {
	var meta struct {
		Schema2 struct {
			Options struct {
				Properties json.RawMessage `json:"properties"`
			} `json:"options"`
		} `json:"schema_2"`
	}
	require.NoError(t, json.Unmarshal(MetaJSON(), &meta))
	names, props := orderedKeys(t, meta.Schema2.Options.Properties)
	require.Equal(t, fieldNames(), names)
	for _, n := range names {
		var p struct {
			Description string `json:"description"`
		}
		require.NoError(t, json.Unmarshal(props[n], &p))
		require.NotEmpty(t, p.Description, "option %s has no description", n)
		if flag := rootfs.FlagSpelling(n); flag != n {
			require.Contains(t, p.Description, "("+flag, "option %s names its CLI flag", n)
		}
	}
	tags, err := json.Marshal(rootfs.Options{Version: "x", Release: "x", Dropins: []string{"x"},
		Images: map[string]string{"x": "x"}, MemoryMax: "x", MemoryHigh: "x", CPUWeight: "x", Writable: true, Network: "x",
		VarPartition: true, Timezone: "x", Volumes: []string{"x"}, Devices: []string{"x"}, Hostname: "x", Controller: rootfs.Controller{Socket: true}})
	require.NoError(t, err)
	tagNames, _ := orderedKeys(t, tags)
	require.Equal(t, fieldNames(), tagNames, "Options' json tags")
}

// TestSchemaNamesMatchCatalog: the schema enumerates the built-in drop-ins
// and image keys; a catalog change must update it.
func TestSchemaNamesMatchCatalog(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	var meta struct {
		Schema2 struct {
			Options struct {
				Properties struct {
					Dropins struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"dropins"`
					Images struct {
						PatternProperties map[string]json.RawMessage `json:"patternProperties"`
					} `json:"images"`
				} `json:"properties"`
			} `json:"options"`
		} `json:"schema_2"`
	}
	require.NoError(t, json.Unmarshal(MetaJSON(), &meta))
	props := meta.Schema2.Options.Properties
	require.Equal(t, append([]string{"all"}, cat.Names()...), props.Dropins.Items.Enum,
		"update schema_2.options.properties.dropins.items.enum in org.osbuild.qm.meta.json")
	require.Len(t, props.Images.PatternProperties, 1)
	for pat := range props.Images.PatternProperties {
		require.Equal(t, "^("+strings.Join(quoteAll(ImageKeys(cat)), "|")+")$", pat,
			"update schema_2.options.properties.images.patternProperties in org.osbuild.qm.meta.json")
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = regexp.QuoteMeta(s)
	}
	return out
}

// orderedKeys returns an object's keys in document order, and its values.
func orderedKeys(t testing.TB, data []byte) ([]string, map[string]json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var names []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		var v json.RawMessage
		require.NoError(t, dec.Decode(&v))
		names = append(names, tok.(string))
		vals[tok.(string)] = v
	}
	return names, vals
}

// optionRows are option sets with the verdict both the schema and the Go
// parsing must reach.
type optionRow struct {
	name    string
	options string
	valid   bool
}

var optionRows = []optionRow{
	// Valid.
	{"empty", `{}`, true},
	{"every option", `{"version": "1.2.3", "release": "2.el10", "dropins": ["kvm", "sound"],
		"images": {"kvm": "localhost/kvm:1"}, "memory_max": "2G", "memory_high": "1536M", "cpu_weight": "50",
		"writable": true, "network": "private", "var_partition": true, "timezone": "Europe/Berlin",
		"volumes": ["/srv/data:/data:ro"], "devices": ["/dev/ttyUSB1"], "hostname": "vehicle-1",
		"bluechi_controller": {"host": "192.168.1.10", "port": 842}}`, true},
	{"dropins all", `{"dropins": ["all"]}`, true},
	{"dropins empty list", `{"dropins": []}`, true},
	{"dropin repeated", `{"dropins": ["kvm", "kvm"]}`, true},
	{"memory percentage", `{"memory_max": "80%"}`, true},
	{"memory fractional percentage", `{"memory_max": "12.5%"}`, true},
	{"memory 100 percent", `{"memory_max": "100%"}`, true},
	{"memory infinity", `{"memory_high": "infinity"}`, true},
	{"memory bytes", `{"memory_max": "1073741824"}`, true},
	{"memory fractional size", `{"memory_max": "1.5G"}`, true},
	{"memory bytes suffix", `{"memory_max": "512B"}`, true},
	{"cpu weight idle", `{"cpu_weight": "idle"}`, true},
	{"cpu weight 1", `{"cpu_weight": "1"}`, true},
	{"cpu weight 10000", `{"cpu_weight": "10000"}`, true},
	{"network none", `{"network": "none"}`, true},
	{"network namespace", `{"network": "ns:/run/netns/qm"}`, true},
	{"controller socket", `{"bluechi_controller": {"socket": true}}`, true},
	{"controller host only", `{"bluechi_controller": {"host": "controller.example"}}`, true},
	{"controller IPv6", `{"bluechi_controller": {"host": "fd00::10", "port": 2020}}`, true},
	{"controller IPv4-mapped IPv6", `{"bluechi_controller": {"host": "::ffff:192.0.2.1"}}`, true},
	{"controller socket false with a host", `{"bluechi_controller": {"host": "h", "socket": false}}`, true},
	{"controller port as integral float", `{"bluechi_controller": {"host": "h", "port": 842.0}}`, true},
	{"timezone UTC", `{"timezone": "UTC"}`, true},
	{"timezone with offset", `{"timezone": "Etc/GMT+3"}`, true},
	{"hostname with dots", `{"hostname": "ecu1.vehicle.example"}`, true},
	{"volume without options", `{"volumes": ["/var/lib/maps:/maps"]}`, true},
	{"volume with several options", `{"volumes": ["/srv:/srv:ro,z,U"]}`, true},
	{"device with container path and permissions", `{"devices": ["/dev/video0:/dev/video9:rw"]}`, true},
	{"device marked optional", `{"devices": ["-/dev/ttyUSB1"]}`, true},
	{"writable false", `{"writable": false}`, true},

	// Unknown options.
	{"unknown option", `{"frobnicate": true}`, false},
	{"arch is not an option", `{"arch": "aarch64"}`, false},
	{"option in another case", `{"Memory_Max": "2G"}`, false},
	{"cli flag spelling", `{"memory-max": "2G"}`, false},
	{"unknown controller option", `{"bluechi_controller": {"tls": true}}`, false},

	// Wrong types.
	{"options is an array", `[]`, false},
	{"options is null", `null`, false},
	{"options is a string", `"kvm"`, false},
	{"version is a number", `{"version": 1.0}`, false},
	{"version is null", `{"version": null}`, false},
	{"writable is a string", `{"writable": "yes"}`, false},
	{"writable is null", `{"writable": null}`, false},
	{"dropins is a string", `{"dropins": "kvm"}`, false},
	{"dropin item is a number", `{"dropins": [1]}`, false},
	{"dropin item is null", `{"dropins": [null]}`, false},
	{"images is a list", `{"images": ["kvm"]}`, false},
	{"image is a number", `{"images": {"kvm": 1}}`, false},
	{"port is a string", `{"bluechi_controller": {"host": "h", "port": "842"}}`, false},
	{"port is fractional", `{"bluechi_controller": {"host": "h", "port": 84.5}}`, false},
	{"socket is a string", `{"bluechi_controller": {"socket": "true"}}`, false},
	{"controller is a boolean", `{"bluechi_controller": true}`, false},
	{"volumes is a string", `{"volumes": "/a:/b"}`, false},
	{"cpu weight is a number", `{"cpu_weight": 100}`, false},

	// Bad values.
	{"unknown drop-in", `{"dropins": ["nope"]}`, false},
	{"comma list of drop-ins", `{"dropins": ["kvm,sound"]}`, false},
	{"empty drop-in", `{"dropins": [""]}`, false},
	{"unknown image key", `{"images": {"nope": "localhost/x"}}`, false},
	{"image with a space", `{"images": {"kvm": "localhost/kvm latest"}}`, false},
	{"empty image", `{"images": {"kvm": ""}}`, false},
	{"version with a dash", `{"version": "1.0-1"}`, false},
	{"empty version", `{"version": ""}`, false},
	{"empty release", `{"release": ""}`, false},
	{"malformed memory size", `{"memory_max": "12XB"}`, false},
	{"memory zero", `{"memory_max": "0"}`, false},
	{"memory zero with suffix", `{"memory_max": "0.0G"}`, false},
	{"memory zero percent", `{"memory_high": "0%"}`, false},
	{"memory above 100 percent", `{"memory_high": "100.5%"}`, false},
	{"memory exponent percent", `{"memory_high": "1e1%"}`, false},
	{"memory NaN percent", `{"memory_high": "nan%"}`, false},
	{"memory a hair above 100 percent", `{"memory_high": "100.00000000000000001%"}`, false},
	{"memory 100 percent with zeros", `{"memory_high": "100.00%"}`, true},
	{"memory with a space", `{"memory_max": "2 G"}`, false},
	{"empty memory size", `{"memory_high": ""}`, false},
	{"cpu weight 0", `{"cpu_weight": "0"}`, false},
	{"cpu weight with a leading zero", `{"cpu_weight": "050"}`, false},
	{"cpu weight too high", `{"cpu_weight": "10001"}`, false},
	{"cpu weight word", `{"cpu_weight": "high"}`, false},
	{"unknown network", `{"network": "wifi"}`, false},
	{"network namespace not clean", `{"network": "ns:/run/netns/../qm"}`, false},
	{"port 0", `{"bluechi_controller": {"host": "h", "port": 0}}`, false},
	{"port too high", `{"bluechi_controller": {"host": "h", "port": 70000}}`, false},
	{"port without host", `{"bluechi_controller": {"port": 842}}`, false},
	{"socket and host", `{"bluechi_controller": {"host": "h", "socket": true}}`, false},
	{"empty controller host", `{"bluechi_controller": {"host": ""}}`, false},
	{"controller host with an underscore", `{"bluechi_controller": {"host": "my_host"}}`, false},
	{"controller IPv6 with a zone", `{"bluechi_controller": {"host": "fe80::1%eth0"}}`, false},
	{"controller IPv6 with too many groups", `{"bluechi_controller": {"host": "1:2:3:4:5:6:7:8::"}}`, false},
	{"hostname starting with a dash", `{"hostname": "-ecu"}`, false},
	{"hostname with a space", `{"hostname": "ecu 1"}`, false},
	{"hostname with an empty label", `{"hostname": "ecu..vehicle"}`, false},
	{"hostname label too long", `{"hostname": "` + strings.Repeat("a", 64) + `"}`, false},
	{"hostname too long", `{"hostname": "` + strings.Repeat("abcdefghi.", 25) + `a"}`, false},
	{"empty hostname", `{"hostname": ""}`, false},
	{"empty network", `{"network": ""}`, false},
	{"empty timezone", `{"timezone": ""}`, false},
	{"timezone escaping zoneinfo", `{"timezone": "../../etc/passwd"}`, false},
	{"relative volume", `{"volumes": ["data:/data"]}`, false},
	{"volume path not clean", `{"volumes": ["/srv/:/data"]}`, false},
	{"volume with an empty option list", `{"volumes": ["/srv:/data:"]}`, false},
	{"volume with a bad option", `{"volumes": ["/srv:/data:r o"]}`, false},
	{"empty volume", `{"volumes": [""]}`, false},
	{"device outside /dev", `{"devices": ["/etc/passwd"]}`, false},
	{"device /dev itself", `{"devices": ["/dev/"]}`, false},
	{"device with bad permissions", `{"devices": ["/dev/video0:/dev/video0:rx"]}`, false},
	{"device with too many parts", `{"devices": ["/dev/a:/dev/b:r:w"]}`, false},
	{"empty device", `{"devices": [""]}`, false},
}

// TestSchemaAndGoAgree is the differential test: every row goes through the
// schema (as osbuild validates it) and through the stage's own parsing, and
// both must reach the row's verdict.
func TestSchemaAndGoAgree(t *testing.T) {
	s := compileStageSchema(t)
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	for _, row := range append(optionRows, fileRows(t)...) {
		t.Run(row.name, func(t *testing.T) {
			schemaOK, schemaErr := schemaAccepts(t, s, row.options)
			goOK, goErr := goAccepts(t, cat, row.options)
			require.Equal(t, row.valid, schemaOK, "schema verdict on %s: %v", row.options, schemaErr)
			require.Equal(t, row.valid, goOK, "Go verdict on %s: %v", row.options, goErr)
		})
	}
}

// fileRows are the option sets in testdata/options: valid-*.json and
// invalid-*.json (they also seed FuzzOptions).
func fileRows(t testing.TB) []optionRow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "options", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var rows []optionRow
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		base := filepath.Base(f)
		rows = append(rows, optionRow{"testdata " + base, string(data), strings.HasPrefix(base, "valid-")})
	}
	return rows
}

// FuzzOptions is the differential test with generated option sets: for any
// JSON value, the schema and the stage's parsing reach the same verdict.
// Seeded with the table above and testdata/options.
func FuzzOptions(f *testing.F) {
	for _, row := range append(optionRows, fileRows(f)...) {
		f.Add([]byte(row.options))
	}
	s := compileStageSchema(f)
	cat, err := rpmspec.Builtin()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		schemaOK, schemaErr := schemaAccepts(t, s, string(data))
		goOK, goErr := goAccepts(t, cat, string(data))
		if schemaOK && !goOK {
			// Three checks are the stage's alone (docs/osbuild.md): with
			// the values they refuse replaced by good ones, the verdicts
			// must agree again. The other way round there is no excuse.
			if good, ok := withStageOnlyFixed(data); ok {
				goOK, goErr = goAccepts(t, cat, good)
			}
		}
		require.Equal(t, schemaOK, goOK, "schema and Go disagree on %s\nschema: %v\nGo: %v", data, schemaErr, goErr)
	})
}

// withStageOnlyFixed replaces in options every value refused by a check the
// schema cannot make: a zone spelled right that the tz database lacks
// (rootfs.ErrUnknownZone), a memory size out of range in bytes
// (rootfs.ErrMemoryRange), and an image reference of the characters the
// schema allows that distribution/reference's grammar refuses or that is not
// fully qualified (rpmspec.CheckImageRef). ok is false when there was none.
func withStageOnlyFixed(data []byte) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return "", false
	}
	str := func(raw json.RawMessage) (string, bool) {
		var v string
		return v, json.Unmarshal(raw, &v) == nil
	}
	fixed := false
	if z, ok := str(m[rootfs.FieldTimezone]); ok && errors.Is(rootfs.ValidTimezone(z), rootfs.ErrUnknownZone) {
		m[rootfs.FieldTimezone], fixed = json.RawMessage(`"UTC"`), true
	}
	for _, k := range []string{rootfs.FieldMemoryMax, rootfs.FieldMemoryHigh} {
		if v, ok := str(m[k]); ok && errors.Is(rootfs.ValidMemory(v), rootfs.ErrMemoryRange) {
			m[k], fixed = json.RawMessage(`"1G"`), true
		}
	}
	var images map[string]json.RawMessage
	if raw, ok := m[rootfs.FieldImages]; ok && json.Unmarshal(raw, &images) == nil {
		for k, raw := range images {
			v, ok := str(raw)
			if ok && imageCharacters().MatchString(v) && rpmspec.CheckImageRef(v, false) != nil {
				images[k], fixed = json.RawMessage(`"quay.io/qm-images/kvm:latest"`), true
			}
		}
		out, err := json.Marshal(images)
		if err != nil {
			return "", false
		}
		m[rootfs.FieldImages] = out
	}
	if !fixed {
		return "", false
	}
	out, err := json.Marshal(m)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// imageCharacters is what the schema checks of an image reference: one word
// without control characters.
var imageCharacters = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[^\x00-\x20\x7f]+$`) })

// TestSchemaForbiddenDevicesAreTheTable: the schema refuses the host devices
// of rootfs.ForbiddenDevices, the table QM110 and --device read, and no
// other: its "not" pattern is the table's alternation, each ".*" kept
// within the host path.
func TestSchemaForbiddenDevicesAreTheTable(t *testing.T) {
	var meta struct {
		Schema2 struct {
			Options struct {
				Properties struct {
					Devices struct {
						Items struct {
							Not struct{ Pattern string } `json:"not"`
						} `json:"items"`
					} `json:"devices"`
				} `json:"properties"`
			} `json:"options"`
		} `json:"schema_2"`
	}
	require.NoError(t, json.Unmarshal(MetaJSON(), &meta))
	var alts []string
	for _, d := range rootfs.ForbiddenDevices() {
		alts = append(alts, strings.ReplaceAll(d.Pattern, ".*", "[^:]*"))
	}
	want := "^-?/dev/(" + strings.Join(alts, "|") + ")(:.*)?$"
	require.Equal(t, want, meta.Schema2.Options.Properties.Devices.Items.Not.Pattern,
		"the schema's forbidden devices (org.osbuild.qm.meta.json) are not rootfs.ForbiddenDevices")
}

// TestStageOnlyChecks: the three checks only the stage makes (a zone the tz
// database lacks, a memory size out of range, an image reference the grammar
// refuses or that is not fully qualified) pass the schema and are refused by
// the stage, saying why; the same options spelled wrong are refused by both.
func TestStageOnlyChecks(t *testing.T) {
	s := compileStageSchema(t)
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	for _, tc := range []struct {
		options        string
		schemaOK, goOK bool
		why            string // in the stage's refusal
		stageOnly      bool   // refused by one of the three checks
	}{
		{`{"timezone": "Europe/Berlin"}`, true, true, "", false},
		{`{"timezone": "A"}`, true, false, "is not a time zone of the tz database", true},
		{`{"timezone": "Mars/Olympus_Mons"}`, true, false, "is not a time zone of the tz database", true},
		{`{"timezone": "../etc"}`, false, false, "is not a time zone name", false},
		{`{"memory_max": "0.5B"}`, true, false, "must be at least one byte", true},
		{`{"memory_max": "16E"}`, true, false, "is out of range", true},
		{`{"memory_max": "99999999999999999999"}`, true, false, "is out of range", true},
		{`{"memory_max": "1.%"}`, false, false, "is not a percentage", false},
		{`{"memory_max": ".5%"}`, false, false, "is not a percentage", false},
		{`{"memory_max": "12.345%"}`, false, false, "is not a percentage", false},
		{`{"memory_max": "100.5%"}`, false, false, "is out of range", true},
		{`{"images": {"kvm": "quay.io/qm-images/kvm:latest"}}`, true, true, "", false},
		{`{"images": {"kvm": "0"}}`, true, false, "is a short name", true},
		{`{"images": {"kvm": "quay.io/QM/kvm:latest"}}`, true, false, "is not an image reference", true},
		{`{"images": {"kvm": "quay.io/qm-images/kvm"}}`, true, false, "names no tag or digest", true},
		{`{"images": {"kvm": "quay.io/qm images/kvm:latest"}}`, false, false, "has a space", false},
		{`{"devices": ["/dev/vda"]}`, false, false, "QM must never get /dev/vda", false},
		{`{"devices": ["-/dev/nvme0n1:/dev/disk0:r"]}`, false, false, "QM must never get /dev/nvme0n1", false},
		{`{"devices": ["/dev/disk/by-id/x"]}`, false, false, "QM must never get /dev/disk/by-id/x", false},
		{`{"devices": ["/dev/kvm:/dev/nvme0"]}`, true, true, "", false},
		{`{"devices": ["/dev/diskette"]}`, true, true, "", false},
	} {
		t.Run(tc.options, func(t *testing.T) {
			schemaOK, _ := schemaAccepts(t, s, tc.options)
			goOK, goErr := goAccepts(t, cat, tc.options)
			require.Equal(t, tc.schemaOK, schemaOK)
			require.Equal(t, tc.goOK, goOK, "%v", goErr)
			if !goOK {
				require.ErrorContains(t, goErr, tc.why)
			}
			_, fixable := withStageOnlyFixed([]byte(tc.options))
			require.Equal(t, tc.stageOnly, fixable, "what FuzzOptions forgives")
		})
	}
}
