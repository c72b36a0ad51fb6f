package rootfs

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// jsonNames lists the JSON names of a struct's fields, nested structs dotted.
func jsonNames(t reflect.Type, prefix string) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			out = append(out, jsonNames(f.Type, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

// TestOptionFieldsAreTheOptions: the one table of names lists every field of
// Options, by its JSON name, in order, each with a flag of its own.
func TestOptionFieldsAreTheOptions(t *testing.T) {
	var names, flags []string
	for _, f := range OptionFields() {
		names = append(names, f.Name)
		flags = append(flags, f.Flag)
		require.True(t, strings.HasPrefix(f.Flag, "--"), f.Flag)
		got, ok := FieldForFlag(f.Flag)
		require.True(t, ok)
		require.Equal(t, f.Name, got)
	}
	require.Equal(t, jsonNames(reflect.TypeFor[Options](), ""), names)
	seen := map[string]bool{}
	for _, f := range flags {
		require.False(t, seen[f], "flag %s twice", f)
		seen[f] = true
	}
}

// TestOptionsJSON: the nested controller and the JSON names, both ways; the
// epoch is not part of the JSON.
func TestOptionsJSON(t *testing.T) {
	o := Options{Version: "1.2", Dropins: []string{"kvm"}, MemoryMax: "2G", Controller: Controller{Host: "ctl", Port: 2020}}
	data, err := json.Marshal(o)
	require.NoError(t, err)
	require.JSONEq(t, `{"version": "1.2", "dropins": ["kvm"], "memory_max": "2G", "bluechi_controller": {"host": "ctl", "port": 2020}}`, string(data))
	var back Options
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, o, back)
	data, err = json.Marshal(Options{})
	require.NoError(t, err)
	require.Equal(t, `{}`, string(data), "no controller object for the zero value")
}

func TestSpell(t *testing.T) {
	for _, tc := range []struct {
		field, msg   string
		flag, option string // the CLI's and the stage's spelling of the error
	}{
		{"memory_max", "bad", "--memory-max: bad", "options.memory_max: bad"},
		{"bluechi_controller.port", "needs {bluechi_controller.host}", "--controller-port: needs --controller-host", "options.bluechi_controller.port: needs options.bluechi_controller.host"},
		{"images.kvm", "unknown key", "--image kvm: unknown key", "options.images.kvm: unknown key"},
		{"dropins[2]", "unknown", "--dropin: unknown", "options.dropins[2]: unknown"},
		{"files[2].mode", "not an option", "files[2].mode: not an option", "files[2].mode: not an option"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cli := Spell(rpmspec.Errors{{Field: tc.field, Msg: tc.msg}}.Err(), FlagSpelling)
			require.Equal(t, tc.flag, cli.Error())
			stage := Spell(&rpmspec.InputError{Field: tc.field, Msg: tc.msg}, func(f string) string { return "options." + f })
			require.Equal(t, tc.option, stage.Error())
		})
	}
}
