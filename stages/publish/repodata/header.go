package repodata

import (
	"strconv"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// Main-header tags (rpm's lib/rpmtag.h, RPMTAG_*).
const (
	tagName              = 1000
	tagVersion           = 1001
	tagRelease           = 1002
	tagEpoch             = 1003
	tagSummary           = 1004
	tagDescription       = 1005
	tagBuildTime         = 1006
	tagBuildHost         = 1007
	tagSize              = 1009
	tagVendor            = 1011
	tagLicense           = 1014
	tagPackager          = 1015
	tagGroup             = 1016
	tagURL               = 1020
	tagArch              = 1022
	tagOldFilenames      = 1027
	tagFileModes         = 1030
	tagFileFlags         = 1037
	tagSourceRPM         = 1044
	tagArchiveSize       = 1046
	tagProvideName       = 1047
	tagRequireFlags      = 1048
	tagRequireName       = 1049
	tagRequireVersion    = 1050
	tagConflictFlags     = 1053
	tagConflictName      = 1054
	tagConflictVersion   = 1055
	tagChangelogTime     = 1080
	tagChangelogName     = 1081
	tagChangelogText     = 1082
	tagObsoleteName      = 1090
	tagSourcePackage     = 1106
	tagProvideFlags      = 1112
	tagProvideVersion    = 1113
	tagObsoleteFlags     = 1114
	tagObsoleteVersion   = 1115
	tagDirIndexes        = 1116
	tagBaseNames         = 1117
	tagDirNames          = 1118
	tagOldSuggestsName   = 1156
	tagOldSuggestsVer    = 1157
	tagOldSuggestsFlags  = 1158
	tagOldEnhancesName   = 1159
	tagOldEnhancesVer    = 1160
	tagOldEnhancesFlags  = 1161
	tagLongArchiveSize   = 271
	tagSigPayloadSize    = 1007 // RPMSIGTAG_PAYLOADSIZE, in the signature header
	tagPayloadDigest     = 5092
	tagPayloadDigestAlgo = 5093
	tagLongSize          = 5009
	tagRecommendName     = 5046
	tagRecommendVersion  = 5047
	tagRecommendFlags    = 5048
	tagSuggestName       = 5049
	tagSuggestVersion    = 5050
	tagSuggestFlags      = 5051
	tagSupplementName    = 5052
	tagSupplementVer     = 5053
	tagSupplementFlags   = 5054
	tagEnhanceName       = 5055
	tagEnhanceVersion    = 5056
	tagEnhanceFlags      = 5057
)

// Dependency sense flags (rpm's rpmds.h, rpmsenseFlags_e).
const (
	senseLess       = 1 << 1
	senseGreater    = 1 << 2
	senseEqual      = 1 << 3
	sensePrereq     = 1 << 6
	senseScriptPre  = 1 << 9
	senseScriptPost = 1 << 10
	senseMissingOK  = 1 << 19
	senseStrong     = 1 << 27
)

const fileFlagGhost = 1 << 6 // RPMFILE_GHOST

// fromHeader builds the package entry from the headers, as createrepo_c's
// cr_package_from_header does.
func fromHeader(h *rpmHeaders, changelogLimit int) (*Package, error) {
	hd := &h.main
	str := func(tag int) string { return hd.GetTag(tag).String() }
	p := &Package{
		Name:        str(tagName),
		Arch:        str(tagArch),
		Epoch:       strconv.FormatInt(hd.GetTag(tagEpoch).Int64(), 10),
		Version:     str(tagVersion),
		Release:     str(tagRelease),
		Summary:     str(tagSummary),
		Description: str(tagDescription),
		Packager:    str(tagPackager),
		URL:         str(tagURL),
		BuildTime:   hd.GetTag(tagBuildTime).Int64(),
		License:     str(tagLicense),
		Vendor:      str(tagVendor),
		Group:       str(tagGroup),
		BuildHost:   str(tagBuildHost),
		SourceRPM:   str(tagSourceRPM),
	}
	if hd.GetTag(tagSourcePackage).Exists() {
		p.Arch = "src"
	}
	p.InstalledSize = firstInt(hd, tagLongSize, tagSize)
	// rpmReadPackageFile merges signature tags into the header when the header
	// lacks them (headerMergeLegacySigs), so the archive size may live in either.
	if p.ArchiveSize = firstInt(hd, tagLongArchiveSize, tagArchiveSize); p.ArchiveSize == 0 {
		p.ArchiveSize = firstInt(&h.sig, tagLongArchiveSize, tagSigPayloadSize)
	}
	p.Files = headerFiles(hd)
	deps(p, hd)
	p.Changelogs = changelogs(hd, changelogLimit)
	return p, checkControlChars(p)
}

func firstInt(h *header, tags ...int) int64 {
	for _, t := range tags {
		if tag := h.GetTag(t); tag.Exists() {
			return tag.Int64()
		}
	}
	return 0
}

// headerFiles lists the files in header order, typed "dir" by mode, else
// "ghost" by flag (parsehdr.c).
func headerFiles(h *header) []PackageFile {
	names := h.GetTag(tagOldFilenames).StringSlice()
	if base := h.GetTag(tagBaseNames).StringSlice(); len(base) > 0 {
		dirs := h.GetTag(tagDirNames).StringSlice()
		idx := h.GetTag(tagDirIndexes).Int64Slice()
		names = make([]string, 0, len(base))
		for i, b := range base {
			if i >= len(idx) || idx[i] < 0 || int(idx[i]) >= len(dirs) {
				break
			}
			names = append(names, dirs[idx[i]]+b)
		}
	}
	modes := h.GetTag(tagFileModes).Int64Slice()
	flags := h.GetTag(tagFileFlags).Int64Slice()
	n := min(len(names), len(modes), len(flags))
	files := make([]PackageFile, 0, n)
	for i := 0; i < n; i++ {
		f := PackageFile{Path: names[i]}
		switch {
		case modes[i]&0o170000 == 0o040000:
			f.Type = "dir"
		case flags[i]&fileFlagGhost != 0:
			f.Type = "ghost"
		}
		files = append(files, f)
	}
	return files
}

// flagString is cr_flag_to_str (misc.c): only the comparison bits count.
func flagString(flags int64) string {
	switch flags & 0xf {
	case senseLess:
		return "LT"
	case senseGreater:
		return "GT"
	case senseEqual:
		return "EQ"
	case senseLess | senseEqual:
		return "LE"
	case senseGreater | senseEqual:
		return "GE"
	}
	return ""
}

// parseEVR is cr_str_to_evr (misc.c): [epoch:]version[-release]. An epoch
// that is not a number makes ok false (createrepo_c then drops the entry).
func parseEVR(s string) (epoch, version, release string, ok bool) {
	if s == "" {
		return "", "", "", true
	}
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if !isStrtolNumber(s[:i]) {
			return "", "", "", false
		}
		epoch, rest = s[:i], s[i+1:]
	}
	if epoch == "" {
		epoch = "0"
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		return epoch, rest[:i], rest[i+1:], true
	}
	return epoch, rest, "", true
}

// isStrtolNumber reports whether strtol(s, &end, 10) stops exactly at the end
// of s: optional blanks, an optional sign, digits. An empty s counts (strtol
// consumes nothing and end == s).
func isStrtolNumber(s string) bool {
	if s == "" {
		return true
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if t == "" {
		return false
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// compareLibc is cr_compare_dependency (parsehdr.c) for libc.so.6 requires:
// it reports whether b's parenthesised version is newer than a's.
func libcNewer(a, b string) bool {
	va, oka := libcVersion(a)
	vb, okb := libcVersion(b)
	switch {
	case !oka && !okb:
		return false
	case !oka:
		return true
	case !okb:
		return false
	}
	return rpmutils.Vercmp(va, vb) < 0
}

func libcVersion(dep string) (string, bool) {
	i := strings.IndexByte(dep, '(')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(dep[i:], ')')
	if j < 0 {
		return "", false
	}
	inner := dep[i+1 : i+j]
	k := strings.IndexAny(inner, "0123456789")
	if k < 0 {
		return "", false
	}
	return inner[k:], true
}
