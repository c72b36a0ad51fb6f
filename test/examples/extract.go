// Package examples runs every shell example of the README and docs/ (the
// ```sh blocks), so that a pasted example always works. An example that
// needs a network, or takes minutes, is marked with a comment on the line
// before its fence:
//
//	<!-- example: skip: needs a registry on the network -->
//
// The runner (examples_test.go) picks up every Markdown page under docs/
// by itself; it runs each page's examples in order, in one shell
// environment, in a scratch copy of the repository.
package examples

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Block is one ```sh block of a page.
type Block struct {
	// Line is the fence's line number (1-based).
	Line int
	// Code is the block's text.
	Code string
	// Skip is the reason of a skip marker; empty when the block runs.
	Skip string
}

const (
	markerPrefix = "<!-- example:"
	markerSuffix = "-->"
)

// Extract returns the ```sh blocks of a Markdown page. An unterminated
// block, or a malformed marker, is an error naming the page and the line.
func Extract(page string, data []byte) ([]Block, error) {
	var (
		out     []Block
		cur     *Block
		code    strings.Builder
		fence   string
		pending string // a skip marker waiting for its fence
		pendAt  int
		n       int
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur != nil {
			if trimmed == fence {
				cur.Code = code.String()
				out = append(out, *cur)
				cur, fence = nil, ""
				continue
			}
			code.WriteString(line)
			code.WriteByte('\n')
			continue
		}
		if fence != "" { // inside a block of another language
			if trimmed == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, markerPrefix) {
			reason, err := parseMarker(trimmed)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", page, n, err)
			}
			pending, pendAt = reason, n
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			f := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			lang := strings.TrimSpace(strings.TrimPrefix(trimmed, f))
			fence = f
			if lang == "sh" {
				cur = &Block{Line: n, Skip: pending}
				code.Reset()
			} else if pending != "" {
				return nil, fmt.Errorf("%s:%d: the example marker is followed by a %q block, not ```sh", page, pendAt, lang)
			}
			pending = ""
			continue
		}
		if pending != "" && trimmed != "" {
			return nil, fmt.Errorf("%s:%d: the example marker must be on the line just before a ```sh fence", page, pendAt)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", page, err)
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: the ```sh block is not closed", page, cur.Line)
	}
	if pending != "" {
		return nil, fmt.Errorf("%s:%d: the example marker is followed by no ```sh block", page, pendAt)
	}
	return out, nil
}

// parseMarker reads "<!-- example: skip: REASON -->": the only marker.
func parseMarker(s string) (string, error) {
	if !strings.HasSuffix(s, markerSuffix) {
		return "", fmt.Errorf("the example marker does not end with -->")
	}
	body := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, markerPrefix), markerSuffix))
	reason, ok := strings.CutPrefix(body, "skip:")
	reason = strings.TrimSpace(reason)
	if !ok || reason == "" {
		return "", fmt.Errorf("want <!-- example: skip: REASON -->, got %q", s)
	}
	return reason, nil
}
