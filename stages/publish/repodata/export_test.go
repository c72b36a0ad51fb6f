package repodata

// Bridges for the external tests to the unexported readers of old metadata.

// SplitMetadata is splitMetadata: the entries update mode would reuse
// verbatim and their elements, in Primary, Filelists, Other order.
func SplitMetadata(primary, filelists, other []byte) (map[string]*Package, map[string][3][]byte, error) {
	pkgs, err := splitMetadata([3][]byte{primary, filelists, other})
	if err != nil {
		return nil, nil, err
	}
	elems := make(map[string][3][]byte, len(pkgs))
	for loc, p := range pkgs {
		elems[loc] = *p.verbatim
	}
	return pkgs, elems, nil
}

// ParseExisting is the full parse update mode falls back to: entries keyed
// by location, joined by pkgid as LoadExisting joins them.
func ParseExisting(primary, filelists, other []byte) (map[string]*Package, error) {
	md := &Repomd{Data: []RepomdData{{Type: Primary, Location: "primary"}, {Type: Filelists, Location: "filelists"}, {Type: Other, Location: "other"}}}
	return parseExisting(md, [3][]byte{primary, filelists, other})
}
