package selinux

import "strings"

// The lookup order, from libselinux 3.4 (label_file.h, label_file.c):
//
//   - sort_specs moves lines without regex metacharacters ("exact" paths) after
//     all regex lines, keeping each group in file order;
//   - lookup_common walks that array from the end, so the first match wins:
//     exact paths before regexes, later lines before earlier ones;
//   - a line whose regex starts with a fixed first component (its "stem",
//     such as "/usr") only matches paths with the same stem, and its regex
//     is matched, anchored, against the path after the stem;
//   - a line's file type must equal the file's, unless either is unknown.

// metaChars are the characters spec_hasMetaChars and get_stem_from_spec treat
// as regex metacharacters.
const metaChars = ".^$?*+|[({"

// hasMetaChars is spec_hasMetaChars: a backslash hides the next character.
func hasMetaChars(re string) bool {
	for i := 0; i < len(re); i++ {
		switch c := re[i]; {
		case c == '\\':
			i++
		case strings.IndexByte(metaChars, c) >= 0:
			return true
		}
	}
	return false
}

// stemOfSpec is get_stem_from_spec: the length of the regex's first path
// component when it has a second slash and no metacharacter before it (a
// backslash counts as an ordinary character here), else 0.
func stemOfSpec(re string) int {
	n := stemLen(re)
	if n == 0 || strings.ContainsAny(re[:n], metaChars) {
		return 0
	}
	return n
}

// prepare assigns stem ids and builds, per stem, the candidate lines in
// lookup order (best first), so Match only tries lines that can match.
func (fc *FileContexts) prepare() {
	fc.stems = fc.stems[:0]
	fc.stemIDs = map[string]int{}
	for i := range fc.Specs {
		s := &fc.Specs[i]
		s.stem = -1
		if s.stemText == "" {
			continue
		}
		id, ok := fc.stemIDs[s.stemText]
		if !ok {
			id = len(fc.stems)
			fc.stems = append(fc.stems, s.stemText)
			fc.stemIDs[s.stemText] = id
		}
		s.stem = id
	}
	// sorted: regex lines in file order, then exact lines in file order.
	sorted := make([]int32, 0, len(fc.Specs))
	for pass := 0; pass < 2; pass++ {
		for i := range fc.Specs {
			if fc.Specs[i].hasMeta == (pass == 0) {
				sorted = append(sorted, int32(i))
			}
		}
	}
	fc.noStem = fc.noStem[:0]
	fc.byStem = make([][]int32, len(fc.stems))
	for k := len(sorted) - 1; k >= 0; k-- {
		i := sorted[k]
		id := fc.Specs[i].stem
		if id < 0 {
			fc.noStem = append(fc.noStem, i)
			for s := range fc.byStem {
				fc.byStem[s] = append(fc.byStem[s], i)
			}
			continue
		}
		fc.byStem[id] = append(fc.byStem[id], i)
	}
	fc.prepared = true
}
