package qmstage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// field is one stage option: its name in the schema (a neutral option name,
// rootfs.OptionFields) and how its JSON value is decoded into
// rootfs.Options. The decoder is written apart from the schema on purpose;
// the differential test keeps them in step.
type field struct {
	name   string
	decode func(o *rootfs.Options, v json.RawMessage) error
}

// fields are the options, in the schema's order. Names are case-sensitive,
// as JSON Schema's properties are (encoding/json alone would fold case).
// arch and distro are rootfs.Options' but not the stage's (see options.go).
var fields = []field{
	{rootfs.FieldVersion, str(func(o *rootfs.Options) *string { return &o.Version })},
	{rootfs.FieldRelease, str(func(o *rootfs.Options) *string { return &o.Release })},
	{rootfs.FieldDropins, strs(func(o *rootfs.Options) *[]string { return &o.Dropins })},
	{rootfs.FieldImages, decodeImages},
	{rootfs.FieldMemoryMax, str(func(o *rootfs.Options) *string { return &o.MemoryMax })},
	{rootfs.FieldMemoryHigh, str(func(o *rootfs.Options) *string { return &o.MemoryHigh })},
	{rootfs.FieldCPUWeight, str(func(o *rootfs.Options) *string { return &o.CPUWeight })},
	{rootfs.FieldWritable, boolean(func(o *rootfs.Options) *bool { return &o.Writable })},
	{rootfs.FieldNetwork, str(func(o *rootfs.Options) *string { return &o.Network })},
	{rootfs.FieldVarPartition, boolean(func(o *rootfs.Options) *bool { return &o.VarPartition })},
	{rootfs.FieldTimezone, str(func(o *rootfs.Options) *string { return &o.Timezone })},
	{rootfs.FieldVolumes, strs(func(o *rootfs.Options) *[]string { return &o.Volumes })},
	{rootfs.FieldDevices, strs(func(o *rootfs.Options) *[]string { return &o.Devices })},
	{rootfs.FieldHostname, str(func(o *rootfs.Options) *string { return &o.Hostname })},
	{rootfs.FieldController, decodeController},
}

// controllerFields are the properties of bluechi_controller.
var controllerFields = []struct {
	name   string
	decode func(c *rootfs.Controller, v json.RawMessage) error
}{
	{"host", func(c *rootfs.Controller, v json.RawMessage) error { return decodeString(v, &c.Host) }},
	{"port", decodePort},
	{"socket", func(c *rootfs.Controller, v json.RawMessage) error { return decodeBool(v, &c.Socket) }},
}

// DecodeOptions decodes the stage's options strictly: the value must be a
// JSON object; an unknown option (names are case-sensitive), a null, or a
// value of the wrong type is an error naming the option. It reports every
// problem at once, each an *rpmspec.InputError (bad input). It does not check
// values; Plan does.
func DecodeOptions(data []byte) (rootfs.Options, error) {
	var o rootfs.Options
	var obj map[string]json.RawMessage
	if err := checkKind(data, "object"); err != nil {
		return o, &rpmspec.InputError{Field: "options", Msg: err.Error()}
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return o, &rpmspec.InputError{Field: "options", Msg: err.Error()}
	}
	var errs rpmspec.Errors
	for _, k := range slices.Sorted(maps.Keys(obj)) {
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

// OptionNames lists the options the stage takes by their neutral names
// (rootfs.OptionFields), nested ones dotted.
func OptionNames() []string {
	var out []string
	for _, f := range fields {
		if f.name != rootfs.FieldController {
			out = append(out, f.name)
			continue
		}
		for _, c := range controllerFields {
			out = append(out, f.name+"."+c.name)
		}
	}
	return out
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
	var ie *rpmspec.InputError
	if errors.As(err, &ie) {
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

func str(at func(*rootfs.Options) *string) func(*rootfs.Options, json.RawMessage) error {
	return func(o *rootfs.Options, v json.RawMessage) error { return decodeString(v, at(o)) }
}

func boolean(at func(*rootfs.Options) *bool) func(*rootfs.Options, json.RawMessage) error {
	return func(o *rootfs.Options, v json.RawMessage) error { return decodeBool(v, at(o)) }
}

func strs(at func(*rootfs.Options) *[]string) func(*rootfs.Options, json.RawMessage) error {
	return func(o *rootfs.Options, v json.RawMessage) error {
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

func decodeImages(o *rootfs.Options, v json.RawMessage) error {
	if err := checkKind(v, "object"); err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return err
	}
	o.Images = make(map[string]string, len(obj))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		var s string
		if err := decodeString(obj[k], &s); err != nil {
			return &rpmspec.InputError{Field: k, Msg: err.Error()}
		}
		o.Images[k] = s
	}
	return nil
}

func decodeController(o *rootfs.Options, v json.RawMessage) error {
	if err := checkKind(v, "object"); err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return err
	}
	var c rootfs.Controller
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		found := false
		for _, f := range controllerFields {
			if f.name == k {
				found = true
				if err := f.decode(&c, obj[k]); err != nil {
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
func decodePort(c *rootfs.Controller, v json.RawMessage) error {
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
