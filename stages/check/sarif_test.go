package check

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// sarifSchema compiles the official SARIF 2.1.0 schema kept in testdata (see
// testdata/README for its source).
func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("sarif-schema-2.1.0.json", doc))
	s, err := c.Compile("sarif-schema-2.1.0.json")
	require.NoError(t, err)
	return s
}

func TestSARIFIsValid(t *testing.T) {
	schema := compileSARIFSchema(t)
	reports := map[string]*Report{
		"image with findings": {Target: "out/tree", Kind: "tree", Arch: "aarch64", Profile: ProfileStrict, Rules: 2,
			Errors: []Finding{
				{Rule: "QM106", Severity: Error, Path: "/etc/containers/systemd/qm.container.d/90 rw.conf", Line: 3, Message: "ReadOnly=false: QM's root is writable"},
				{Rule: "QM701", Severity: Error, Path: "/usr/lib/qm/rootfs/usr/bin/tool", Message: "is a x86_64 ELF file"},
			},
			Warnings: []Finding{{Rule: "QM105", Severity: Warning, Path: "/usr/share/containers/systemd/qm.container", Message: "SecurityLabelNested=false"}},
		},
		"packages": {Target: "repo:out/repo", Kind: "repo", Profile: ProfileDefault, Rules: 5,
			Errors: []Finding{{Rule: "QM801", Severity: Error, Path: "qm-1.0-1.noarch.rpm", Message: "digest does not verify"}}},
		"clean": {Target: "out/tree", Kind: "tree", Profile: ProfileDefault, Rules: 39, Errors: []Finding{}, Warnings: []Finding{}},
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteSARIF(&b, r, Rules(), "0.1.0-test"))
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
			require.NoError(t, err)
			require.NoError(t, schema.Validate(doc), b.String())
			var log sarifLog
			require.NoError(t, json.Unmarshal(b.Bytes(), &log))
			require.Len(t, log.Runs, 1)
			require.Len(t, log.Runs[0].Tool.Driver.Rules, len(Rules()))
			require.Len(t, log.Runs[0].Results, len(r.Errors)+len(r.Warnings))
			for _, res := range log.Runs[0].Results {
				require.Equal(t, res.RuleID, Rules()[res.RuleIndex].ID, "ruleIndex points at the rule")
			}
		})
	}
}

// TestSARIFSchemaRejects proves the schema check is not vacuous.
func TestSARIFSchemaRejects(t *testing.T) {
	schema := compileSARIFSchema(t)
	for _, bad := range []string{
		`{"version": "2.1.0"}`,
		`{"version": "2.0.0", "runs": []}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
	} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		require.NoError(t, err)
		require.Error(t, schema.Validate(doc), bad)
	}
}

func TestSARIFURI(t *testing.T) {
	require.Equal(t, "etc/qm/a%20b%23c", sarifURI("/etc/qm/a b#c"))
	require.Equal(t, "qm-1.0-1.noarch.rpm", sarifURI("qm-1.0-1.noarch.rpm"))
}

// TestChainInEveryOutput: a finding's chain of files is in the text report
// (indented lines under the finding), in JSON ("chain") and in SARIF
// (relatedLocations), and the SARIF log stays valid.
func TestChainInEveryOutput(t *testing.T) {
	r := &Report{Target: "out/tree", Kind: "tree", Profile: ProfileDefault, Rules: 1, Warnings: []Finding{},
		Errors: []Finding{{Rule: "QM106", Severity: Error, Path: "/etc/containers/systemd/qm.container.d/90.conf", Line: 3,
			Message: "QM's root is writable (read-only is false)",
			Chain: []Link{
				{Path: "/etc/containers/systemd/qm.container.d/90.conf", Line: 3, Note: "PodmanArgs=--read-only=false"},
				{Path: "/run/systemd/generator/qm.service", Note: "ExecStart= that quadlet generates"},
			}}}}
	var text bytes.Buffer
	require.NoError(t, WriteText(&text, r))
	require.Contains(t, text.String(), "/etc/containers/systemd/qm.container.d/90.conf:3: QM106 error: QM's root is writable (read-only is false)\n"+
		"    /etc/containers/systemd/qm.container.d/90.conf:3: PodmanArgs=--read-only=false\n"+
		"    /run/systemd/generator/qm.service: ExecStart= that quadlet generates\n")

	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, r))
	var back Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Equal(t, r.Errors[0].Chain, back.Errors[0].Chain)

	var sb bytes.Buffer
	require.NoError(t, WriteSARIF(&sb, r, Rules(), "test"))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sb.Bytes()))
	require.NoError(t, err)
	require.NoError(t, compileSARIFSchema(t).Validate(doc), sb.String())
	var log sarifLog
	require.NoError(t, json.Unmarshal(sb.Bytes(), &log))
	rel := log.Runs[0].Results[0].RelatedLocations
	require.Len(t, rel, 2)
	require.Equal(t, "etc/containers/systemd/qm.container.d/90.conf", rel[0].PhysicalLocation.ArtifactLocation.URI)
	require.Equal(t, 3, rel[0].PhysicalLocation.Region.StartLine)
	require.Equal(t, "PodmanArgs=--read-only=false", rel[0].Message.Text)
}

// TestTextCannotBeForged: a file name or value with a line break cannot add
// lines to the text report (issue 17, item 11).
func TestTextCannotBeForged(t *testing.T) {
	r := &Report{Target: "t\nx", Kind: "tree", Profile: ProfileDefault, Warnings: []Finding{},
		Errors: []Finding{{Rule: "QM601", Severity: Error, Path: "/var/qm/a\n/var/qm/b: QM000 error: forged", Message: "setuid\nforged",
			Chain: []Link{{Path: "/x\ny", Note: "n\r\nz"}}}}}
	var text bytes.Buffer
	require.NoError(t, WriteText(&text, r))
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	require.Len(t, lines, 3, text.String())
	require.Equal(t, `"/var/qm/a\n/var/qm/b: QM000 error: forged": QM601 error: "setuid\nforged"`, lines[0])
	require.Equal(t, `    "/x\ny": "n\r\nz"`, lines[1])
}
