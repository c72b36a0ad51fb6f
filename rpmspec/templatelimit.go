package rpmspec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// MaxTemplateOutput bounds what one drop-in template may render: the file
// it makes is a configuration file, and the limit stops a short template
// that repeats its output from filling memory.
const MaxTemplateOutput = 4 << 20

// checkTemplate refuses what could make a drop-in template run for ever
// without writing anything (and so without meeting MaxTemplateOutput):
// `range` over anything but a field of the template data (an integer, a
// variable, a function's result), a `range` inside another, and
// `define`, `template` and `block` (recursion). The data is a few strings
// and the image map, so a template needs none of them.
func checkTemplate(t *template.Template) error {
	if len(t.Templates()) > 1 {
		return errors.New("define and block are not allowed in a drop-in template")
	}
	if t.Tree == nil || t.Root == nil {
		return nil
	}
	return walkTemplate(t.Tree, t.Root, 0)
}

func walkTemplate(tr *parse.Tree, n parse.Node, ranges int) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := walkTemplate(tr, c, ranges); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return fmt.Errorf("template line %d: template calls are not allowed in a drop-in template", lineOf(tr, n))
	case *parse.RangeNode:
		if ranges > 0 {
			return fmt.Errorf("template line %d: a range inside a range is not allowed in a drop-in template", lineOf(tr, n))
		}
		if !rangesOverField(n.Pipe) {
			return fmt.Errorf("template line %d: range may only go over a field of the template data (such as .Images), not %s", lineOf(tr, n), n.Pipe)
		}
		if err := walkTemplate(tr, n.List, ranges+1); err != nil {
			return err
		}
		return walkTemplate(tr, n.ElseList, ranges)
	case *parse.IfNode:
		if err := walkTemplate(tr, n.List, ranges); err != nil {
			return err
		}
		return walkTemplate(tr, n.ElseList, ranges)
	case *parse.WithNode:
		if err := walkTemplate(tr, n.List, ranges); err != nil {
			return err
		}
		return walkTemplate(tr, n.ElseList, ranges)
	}
	return nil
}

// rangesOverField: the pipeline is one command, a field of dot (.Images).
func rangesOverField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	_, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	return ok
}

// lineOf is a node's line in the template's text.
func lineOf(tr *parse.Tree, n parse.Node) int {
	loc, _ := tr.ErrorContext(n)
	parts := strings.Split(loc, ":")
	if len(parts) < 3 {
		return 0
	}
	line, _ := strconv.Atoi(parts[len(parts)-2])
	return line
}

// limitedBuffer is a buffer that refuses to grow past max bytes.
type limitedBuffer struct {
	buf []byte
	max int
}

var errTemplateOutput = fmt.Errorf("the template's output is larger than %d MiB", MaxTemplateOutput>>20)

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > b.max {
		return 0, errTemplateOutput
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}
