package examples

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		name string
		page string
		want []Block
		err  string
	}{
		{"one block", "text\n```sh\necho hi\n```\n", []Block{{Line: 2, Code: "echo hi\n"}}, ""},
		{"other languages are not run", "```\nqm-build x\n```\n```toml\na = 1\n```\n```sh\nls\n```\n", []Block{{Line: 7, Code: "ls\n"}}, ""},
		{"a skip marker", "<!-- example: skip: needs a network -->\n```sh\ncurl x\n```\n```sh\nls\n```\n",
			[]Block{{Line: 2, Code: "curl x\n", Skip: "needs a network"}, {Line: 5, Code: "ls\n"}}, ""},
		{"a blank line after the marker", "<!-- example: skip: slow -->\n\n```sh\nmake bench\n```\n", []Block{{Line: 3, Code: "make bench\n", Skip: "slow"}}, ""},
		{"a longer fence holds a shorter one", "````sh\ncat <<'E'\n```\nE\n````\n", []Block{{Line: 1, Code: "cat <<'E'\n```\nE\n"}}, ""},
		{"an indented fence", "- item\n  ```sh\n  ls\n  ```\n", []Block{{Line: 2, Code: "  ls\n"}}, ""},
		{"unterminated", "```sh\nls\n", nil, "p.md:1: the ```sh block is not closed"},
		{"a marker without a reason", "<!-- example: skip: -->\n```sh\nls\n```\n", nil, "p.md:1: want <!-- example: skip: REASON -->"},
		{"an unknown marker", "<!-- example: run twice -->\n```sh\nls\n```\n", nil, "p.md:1: want"},
		{"a marker before text", "<!-- example: skip: x -->\ntext\n```sh\nls\n```\n", nil, "p.md:1: the example marker must be on the line just before"},
		{"a marker before another language", "<!-- example: skip: x -->\n```toml\na=1\n```\n", nil, "p.md:1: the example marker is followed by a \"toml\" block"},
		{"a marker at the end", "text\n<!-- example: skip: x -->\n", nil, "p.md:2: the example marker is followed by no"},
		{"an unclosed marker", "<!-- example: skip: x\n```sh\nls\n```\n", nil, "p.md:1: the example marker does not end with -->"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Extract("p.md", []byte(tc.page))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"```sh\nls\n```\n", "<!-- example: skip: x -->\n```sh\nls\n```\n", "````sh\n```\n````\n", "```\n```sh\n```\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		blocks, err := Extract("f.md", data)
		if err != nil {
			require.Nil(t, blocks)
			return
		}
		prev := 0
		for _, b := range blocks {
			require.Greater(t, b.Line, prev, "blocks in order")
			prev = b.Line
		}
	})
}
