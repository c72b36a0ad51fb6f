package blueprints

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/osbuild/blueprint/pkg/blueprint"
)

// tomlBlueprint mirrors blueprint.Blueprint's TOML with omitempty on the
// lists the library always writes, so that fragments carry only what they
// say. Customizations.Files are written apart by writeFiles.
type tomlBlueprint struct {
	Name           string                    `toml:"name"`
	Description    string                    `toml:"description,omitempty"`
	Version        string                    `toml:"version,omitempty"`
	Distro         string                    `toml:"distro,omitempty"`
	Arch           string                    `toml:"architecture,omitempty"`
	Packages       []blueprint.Package       `toml:"packages,omitempty"`
	Modules        []blueprint.Package       `toml:"modules,omitempty"`
	EnabledModules []blueprint.EnabledModule `toml:"enabled_modules,omitempty"`
	Groups         []blueprint.Group         `toml:"groups,omitempty"`
	Containers     []blueprint.Container     `toml:"containers,omitempty"`
	Customizations *blueprint.Customizations `toml:"customizations,omitempty"`
}

// EncodeTOML writes bp as TOML, after header lines written as comments.
// File contents are multi-line literal strings where TOML allows, so that a
// quadlet drop-in reads as itself.
func EncodeTOML(w io.Writer, bp *blueprint.Blueprint, header ...string) error {
	var b bytes.Buffer
	for _, h := range header {
		b.WriteString(strings.TrimRight("# "+h, " ") + "\n")
	}
	if len(header) > 0 {
		b.WriteString("\n")
	}
	top := tomlBlueprint{
		Name: bp.Name, Description: bp.Description, Version: bp.Version, Distro: bp.Distro, Arch: bp.Arch,
		Packages: bp.Packages, Modules: bp.Modules, EnabledModules: bp.EnabledModules, Groups: bp.Groups, Containers: bp.Containers,
	}
	var files []blueprint.FileCustomization
	if bp.Customizations != nil {
		c := *bp.Customizations
		files, c.Files = c.Files, nil
		if !reflect.ValueOf(c).IsZero() {
			top.Customizations = &c
		}
	}
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(top); err != nil {
		return fmt.Errorf("encoding blueprint %s: %w", bp.Name, err)
	}
	if err := writeFiles(&b, files); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeFiles appends [[customizations.files]] tables.
func writeFiles(b *bytes.Buffer, files []blueprint.FileCustomization) error {
	for _, f := range files {
		b.WriteString("\n[[customizations.files]]\n")
		fmt.Fprintf(b, "path = %s\n", tomlString(f.Path))
		for _, kv := range []struct {
			key string
			v   any
		}{{"user", f.User}, {"group", f.Group}} {
			switch v := kv.v.(type) {
			case nil:
			case string:
				fmt.Fprintf(b, "%s = %s\n", kv.key, tomlString(v))
			case int, int64, float64:
				fmt.Fprintf(b, "%s = %v\n", kv.key, v)
			default:
				return fmt.Errorf("file %s: %s of type %T", f.Path, kv.key, v)
			}
		}
		if f.Mode != "" {
			fmt.Fprintf(b, "mode = %s\n", tomlString(f.Mode))
		}
		if f.URI != "" {
			fmt.Fprintf(b, "uri = %s\n", tomlString(f.URI))
		}
		if f.Data != "" || f.URI == "" {
			fmt.Fprintf(b, "data = %s\n", tomlText(f.Data))
		}
	}
	return nil
}

// tomlText is a multi-line literal string (”'…”') when the text allows it
// (ends in a newline, no ”' inside, no control characters but tab and
// newline), else a basic string.
func tomlText(s string) string {
	if !strings.HasSuffix(s, "\n") || strings.Contains(s, "'''") || !utf8.ValidString(s) {
		return tomlString(s)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f {
			return tomlString(s)
		}
	}
	return "'''\n" + s + "'''"
}

// tomlString is a TOML basic string (toml.io, v1.0.0, "Basic strings").
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
