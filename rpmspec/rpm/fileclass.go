package rpm

import (
	"sort"
	"strings"
)

// File classification tags rpmbuild writes for every package with files
// (rpm's include/rpm/rpmtag.h; build/rpmfc.c, rpmfcGenerateDepends).
const (
	tagFileColors   = 1140 // RPMTAG_FILECOLORS: per file, ELF32 1, ELF64 2
	tagFileClass    = 1141 // RPMTAG_FILECLASS: per file, index into CLASSDICT
	tagClassDict    = 1142 // RPMTAG_CLASSDICT: the distinct classes
	tagFileDependsX = 1143 // RPMTAG_FILEDEPENDSX: per file, first DEPENDSDICT entry
	tagFileDependsN = 1144 // RPMTAG_FILEDEPENDSN: per file, number of entries
	tagDependsDict  = 1145 // RPMTAG_DEPENDSDICT: (type << 24) | dependency index
)

// File colors (rpm's build/rpmfc.h, FCOLOR_e).
const (
	colorELF32 = 1 << 0 // RPMFC_ELF32
	colorELF64 = 1 << 1 // RPMFC_ELF64
)

// rpmfcTokens are the substrings of a libmagic description that make rpmbuild
// record it as the file's class (rpmfcTokens in rpm's build/rpmfc.c, all
// RPMFC_INCLUDE). A description containing none of them is recorded as "",
// as for data libmagic cannot name.
var rpmfcTokens = []string{
	"directory", "ELF 32-bit", "ELF 64-bit",
	"troff or preprocessor input", "GNU Info",
	"perl ", "Perl5 module source text", "python ",
	"libtool library ", "pkgconfig ",
	"Objective caml ", "Mono/.Net assembly",
	"current ar archive", "Zip archive data", "tar archive", "cpio archive", "RPM v3", "RPM v4",
	" image", " font", " Font",
	" commands", " script",
	"empty",
	"HTML", "SGML", "XML",
	" source", "GLS_BINARY_LSB_FIRST", " DB ",
	" text",
}

// skippedExtensions are the file name suffixes rpmbuild classifies without
// libmagic, with the description it uses (skipped_extensions in rpm's
// build/rpmfc.c).
var skippedExtensions = []struct{ suffix, desc string }{
	{".pm", "Perl5 module source text"},
	{".c", "C Code"},
	{".h", "C Header"},
	{".la", "libtool library file"},
	{".pc", "pkgconfig file"},
}

// includedClass is desc if rpmbuild records it, else "".
func includedClass(desc string) string {
	for _, t := range rpmfcTokens {
		if strings.Contains(desc, t) {
			return desc
		}
	}
	return ""
}

// FileClass returns the class and color rpmbuild records for a file with
// the given path, rpm mode (type and permission bits) and content (a
// symlink's content is its target), computed in Go without libmagic
// (rpmfcClassify in rpm's build/rpmfc.c, with libmagic 5.44's descriptions
// as Describe gives them):
//
//   - directories are "directory"; symlinks, devices, fifos, sockets and
//     every file under /dev/ have no class (rpm 4.18 records "" for symlinks,
//     and `rpm -q --qf %{FILECLASS}` shows "symbolic link to `target'");
//   - a few suffixes (.c, .h, .pm, .la, .pc) have a fixed description;
//   - other files are described from their content and mode (Describe), and
//     the description is kept only when it contains one of rpm's class
//     tokens (" text", " script", "ELF 64-bit", "empty", …).
//
// The color is RPMFC_ELF32 or RPMFC_ELF64 for an executable ELF file and 0
// otherwise, as rpmbuild reads it with libelf.
func FileClass(path string, mode uint, content []byte) (class string, color uint32) {
	switch mode & 0o170000 {
	case 0o040000:
		return "directory", 0
	case 0o100000, 0:
	default:
		return "", 0
	}
	if strings.HasPrefix(path, "/dev/") {
		return "", 0 // rpmfc: files in /dev/ are %dev dummies
	}
	if mode&0o111 != 0 {
		color = elfColor(content)
	}
	for _, e := range skippedExtensions {
		if strings.HasSuffix(path, e.suffix) {
			return includedClass(e.desc), color
		}
	}
	return includedClass(Describe(mode, content)), color
}

// fileEntry is a file as the header describes it: its path, rpm mode (type
// and permission bits) and content (a symlink's target), with the
// interpreter requirement the writer derived from it ("" for none).
type fileEntry struct {
	name   string
	mode   uint
	body   []byte
	interp string
}

// fileTags returns the file classification and per-file dependency tags for
// files, in the header's file order: sorted by name, the root directory
// left out, a later file of the same name replacing an earlier one (as
// rpmpack, which wrote the header before, ordered them). requires is the
// package's sorted requirement list, which the dependency dictionary indexes.
//
// The class dictionary lists each class once, in the order the sorted files
// first use it, as rpmbuild's string pool does. The dependency tags are
// written only when a file has a dependency, as rpmbuild does.
func fileTags(files []fileEntry, requires []dep) []tagged {
	byName := map[string]fileEntry{}
	var names []string
	for _, f := range files {
		if f.name == "/" {
			continue
		}
		if _, ok := byName[f.name]; !ok {
			names = append(names, f.name)
		}
		byName[f.name] = f
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	colors := make([]uint32, len(names))
	classes := make([]uint32, len(names))
	dictIndex := map[string]uint32{}
	var dict []string
	dependsX := make([]uint32, len(names))
	dependsN := make([]uint32, len(names))
	var dependsDict []uint32
	for i, n := range names {
		f := byName[n]
		class, color := FileClass(n, f.mode, f.body)
		x, ok := dictIndex[class]
		if !ok {
			x = uint32(len(dict))
			dictIndex[class] = x
			dict = append(dict, class)
		}
		colors[i], classes[i] = color, x
		if f.interp == "" {
			continue
		}
		// rpm's build/rpmfc.c (rpmfcApplyInternal): 'R' for a requirement,
		// then its index in the package's requirement list.
		for j, r := range requires {
			if r == (dep{f.interp, senseFindRequires, ""}) {
				dependsX[i], dependsN[i] = uint32(len(dependsDict)), 1
				dependsDict = append(dependsDict, uint32('R')<<24|uint32(j))
				break
			}
		}
	}
	out := []tagged{
		{tagFileColors, entryUint32(colors)},
		{tagClassDict, entryStrings(dict)},
		{tagFileClass, entryUint32(classes)},
	}
	if len(dependsDict) > 0 {
		out = append(out,
			tagged{tagDependsDict, entryUint32(dependsDict)},
			tagged{tagFileDependsX, entryUint32(dependsX)},
			tagged{tagFileDependsN, entryUint32(dependsN)})
	}
	return out
}
