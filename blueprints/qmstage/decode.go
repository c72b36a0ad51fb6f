package qmstage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rpmspec"
)

// field is one stage option: its name in the schema, the `qm-build rootfs`
// flag it mirrors, and how its JSON value is decoded. The decoder is written
// apart from the schema on purpose; the differential test keeps them in step.
type field struct {
	name   string
	flag   string
	decode func(o *Options, v json.RawMessage) error
}

// fields are the options, in the schema's order. Names are case-sensitive,
// as JSON Schema's properties are (encoding/json alone would fold case).
var fields = []field{
	{"version", "--qm-version", str(func(o *Options) *string { return &o.Version })},
	{"release", "--release", str(func(o *Options) *string { return &o.Release })},
	{"dropins", "--dropin", strs(func(o *Options) *[]string { return &o.Dropins })},
	{"images", "--image", decodeImages},
	{"memory_max", "--memory-max", str(func(o *Options) *string { return &o.MemoryMax })},
	{"memory_high", "--memory-high", str(func(o *Options) *string { return &o.MemoryHigh })},
	{"cpu_weight", "--cpu-weight", str(func(o *Options) *string { return &o.CPUWeight })},
	{"writable", "--writable", boolean(func(o *Options) *bool { return &o.Writable })},
	{"network", "--network", str(func(o *Options) *string { return &o.Network })},
	{"var_partition", "--var-partition", boolean(func(o *Options) *bool { return &o.VarPartition })},
	{"timezone", "--timezone", str(func(o *Options) *string { return &o.Timezone })},
	{"volumes", "--volume", strs(func(o *Options) *[]string { return &o.Volumes })},
	{"devices", "--device", strs(func(o *Options) *[]string { return &o.Devices })},
	{"hostname", "--hostname", str(func(o *Options) *string { return &o.Hostname })},
	{"bluechi_controller", "", decodeController},
}

// controllerFields are the properties of bluechi_controller.
var controllerFields = []struct {
	name, flag string
	decode     func(c *Controller, v json.RawMessage) error
}{
	{"host", "--controller-host", func(c *Controller, v json.RawMessage) error { return decodeString(v, &c.Host) }},
	{"port", "--controller-port", decodePort},
	{"socket", "--controller-socket", func(c *Controller, v json.RawMessage) error { return decodeBool(v, &c.Socket) }},
}

// OptionForFlag returns the stage option that mirrors a `qm-build rootfs`
// flag ("--memory-max" → "memory_max", "--controller-host" →
// "bluechi_controller.host").
func OptionForFlag(flag string) (string, bool) {
	for _, f := range fields {
		if f.flag == flag && f.flag != "" {
			return f.name, true
		}
	}
	for _, f := range controllerFields {
		if f.flag == flag {
			return "bluechi_controller." + f.name, true
		}
	}
	return "", false
}

// DecodeOptions decodes the stage's options strictly: the value must be a
// JSON object; an unknown option (names are case-sensitive), a null, or a
// value of the wrong type is an error naming the option. It reports every
// problem at once, each an *rpmspec.InputError (bad input). It does not check
// values; Validate does.
func DecodeOptions(data []byte) (Options, error) {
	var o Options
	var obj map[string]json.RawMessage
	if err := checkKind(data, "object"); err != nil {
		return o, &rpmspec.InputError{Field: "options", Msg: err.Error()}
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return o, &rpmspec.InputError{Field: "options", Msg: err.Error()}
	}
	var errs rpmspec.Errors
	for _, k := range sortedKeys(obj) {
		f, ok := lookupField(k)
		if !ok {
			errs = append(errs, &rpmspec.InputError{Field: "options." + k, Msg: "unknown option; known options: " + strings.Join(fieldNames(), ", ")})
			continue
		}
		if err := f.decode(&o, obj[k]); err != nil {
			errs = append(errs, prefixed("options."+k, err))
		}
	}
	return o, errs.Err()
}

func lookupField(name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

func fieldNames() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

// prefixed turns a decoding error into an InputError for field, keeping a
// nested field name ("options.images.kvm") when the error carries one.
func prefixed(field string, err error) *rpmspec.InputError {
	if ie, ok := err.(*rpmspec.InputError); ok {
		switch {
		case strings.HasPrefix(ie.Field, "["):
			ie.Field = field + ie.Field
		case ie.Field != "":
			ie.Field = field + "." + ie.Field
		default:
			ie.Field = field
		}
		return ie
	}
	return &rpmspec.InputError{Field: field, Msg: err.Error()}
}

func str(at func(*Options) *string) func(*Options, json.RawMessage) error {
	return func(o *Options, v json.RawMessage) error { return decodeString(v, at(o)) }
}

func boolean(at func(*Options) *bool) func(*Options, json.RawMessage) error {
	return func(o *Options, v json.RawMessage) error { return decodeBool(v, at(o)) }
}

func strs(at func(*Options) *[]string) func(*Options, json.RawMessage) error {
	return func(o *Options, v json.RawMessage) error {
		if err := checkKind(v, "array"); err != nil {
			return err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return err
		}
		out := make([]string, len(items))
		for i, it := range items {
			if err := decodeString(it, &out[i]); err != nil {
				return &rpmspec.InputError{Field: fmt.Sprintf("[%d]", i), Msg: err.Error()}
			}
		}
		*at(o) = out
		return nil
	}
}

func decodeImages(o *Options, v json.RawMessage) error {
	if err := checkKind(v, "object"); err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return err
	}
	o.Images = make(map[string]string, len(obj))
	for _, k := range sortedKeys(obj) {
		var s string
		if err := decodeString(obj[k], &s); err != nil {
			return &rpmspec.InputError{Field: k, Msg: err.Error()}
		}
		o.Images[k] = s
	}
	return nil
}

func decodeController(o *Options, v json.RawMessage) error {
	if err := checkKind(v, "object"); err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return err
	}
	c := &Controller{}
	for _, k := range sortedKeys(obj) {
		found := false
		for _, f := range controllerFields {
			if f.name == k {
				found = true
				if err := f.decode(c, obj[k]); err != nil {
					return &rpmspec.InputError{Field: k, Msg: err.Error()}
				}
			}
		}
		if !found {
			return &rpmspec.InputError{Field: k, Msg: "unknown option; known: host, port, socket"}
		}
	}
	o.Controller = c
	return nil
}

// decodeString decodes a non-empty string: an empty one would mean the
// default to the CLI, which the schema does not allow; leave the option out.
func decodeString(v json.RawMessage, out *string) error {
	if err := checkKind(v, "string"); err != nil {
		return err
	}
	if err := json.Unmarshal(v, out); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("must not be empty (leave the option out for its default)")
	}
	return nil
}

func decodeBool(v json.RawMessage, out *bool) error {
	if err := checkKind(v, "boolean"); err != nil {
		return err
	}
	return json.Unmarshal(v, out)
}

// decodePort decodes a TCP port, 1..65535. (0 would mean the default to
// rootfs.Options; the schema does not allow it.)
func decodePort(c *Controller, v json.RawMessage) error {
	if err := decodeInt(v, &c.Port); err != nil {
		return err
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("%d is not a TCP port (1..65535)", c.Port)
	}
	return nil
}

// decodeInt accepts any JSON number with an integral value (842, 842.0,
// 8.42e2), as JSON Schema's "integer" type does.
func decodeInt(v json.RawMessage, out *int) error {
	if err := checkKind(v, "number"); err != nil {
		return err
	}
	r, ok := new(big.Rat).SetString(string(bytes.TrimSpace(v)))
	if !ok || !r.IsInt() {
		return fmt.Errorf("must be an integer, not %s", v)
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() > 1<<31-1 || n.Int64() < -(1<<31) {
		return fmt.Errorf("%s is out of range", v)
	}
	*out = int(n.Int64())
	return nil
}

// kindOf names the JSON type of a value the way JSON Schema does.
func kindOf(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func checkKind(v []byte, want string) error {
	if got := kindOf(v); got != want {
		return fmt.Errorf("must be %s %s, not %s", article(want), want, got)
	}
	return nil
}

func article(kind string) string {
	if kind == "object" || kind == "array" {
		return "an"
	}
	return "a"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
