// Command benchratio reads `go test -bench` output on stdin, passes it through,
// and then prints each comparison benchmark side by side with a ratio.
//
// A comparison is a benchmark named BenchmarkVs<Name>/<impl>, where one impl is
// "qm-build" and the others are real tools (rpmbuild, createrepo_c, setfiles,
// find, cp-a, …). The ratio is tool time / qm-build time: above 1 means
// qm-build is faster. When a benchmark ran several times (go test -count N),
// its time is the median of the runs.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^(BenchmarkVs[^/\s]+)/(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)

type result struct {
	ns    float64
	extra string
	runs  []float64 // every ns/op seen, for the median
}

func main() {
	groups := map[string]map[string]result{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		text := sc.Text()
		fmt.Println(text)
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			continue
		}
		if groups[m[1]] == nil {
			groups[m[1]] = map[string]result{}
		}
		r := groups[m[1]][m[2]]
		r.runs = append(r.runs, ns)
		r.ns, r.extra = median(r.runs), strings.TrimSpace(m[5])
		groups[m[1]][m[2]] = r
	}
	if len(groups) == 0 {
		return
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println()
	fmt.Println("qm-build against the real tools (ratio = tool time / qm-build time; > 1 means qm-build is faster)")
	fmt.Printf("%-44s %-16s %14s %-16s %14s %9s\n", "comparison", "qm-build", "time", "tool", "time", "ratio")
	for _, n := range names {
		g := groups[n]
		q, ok := g["qm-build"]
		impls := make([]string, 0, len(g))
		for impl := range g {
			if impl != "qm-build" {
				impls = append(impls, impl)
			}
		}
		sort.Strings(impls)
		for _, impl := range impls {
			r := g[impl]
			if !ok {
				fmt.Printf("%-44s %-16s %14s %-16s %14s %9s\n", strings.TrimPrefix(n, "BenchmarkVs"), "-", "-", impl, human(r.ns), "-")
				continue
			}
			fmt.Printf("%-44s %-16s %14s %-16s %14s %8.2fx\n", strings.TrimPrefix(n, "BenchmarkVs"), "qm-build", human(q.ns), impl, human(r.ns), r.ns/q.ns)
		}
	}
}

// median is the middle value (the mean of the two middle ones for an even
// count).
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func human(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
