// Package repocheck checks that a repository directory is consistent, the
// property an interrupted or repeated publish must keep: repomd.xml's files
// exist and match their checksums and sizes, every package entry points at
// an existing file with the recorded checksum and size, and every RPM in the
// directory is indexed.
package repocheck

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/stages/publish/repodata"
)

// Check returns the locations of the packages dir's repodata lists, or the
// first inconsistency found.
func Check(dir string) ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "repodata", "repomd.xml"))
	if err != nil {
		return nil, err
	}
	md, err := repodata.ParseRepomd(bytes.NewReader(raw), "repomd.xml")
	if err != nil {
		return nil, err
	}
	docs := map[string][]byte{}
	for _, d := range md.Data {
		gz, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(d.Location)))
		if err != nil {
			return nil, fmt.Errorf("repomd.xml points at %s: %w", d.Location, err)
		}
		if sum(gz) != d.Checksum || int64(len(gz)) != d.Size {
			return nil, fmt.Errorf("%s: checksum or size differs from repomd.xml", d.Location)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Location, err)
		}
		open, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Location, err)
		}
		if sum(open) != d.OpenChecksum || int64(len(open)) != d.OpenSize {
			return nil, fmt.Errorf("%s: open checksum or size differs from repomd.xml", d.Location)
		}
		docs[d.Type] = open
	}
	pkgs, err := repodata.ParsePrimary(bytes.NewReader(docs[repodata.Primary]), "primary")
	if err != nil {
		return nil, err
	}
	var listed []string
	for _, p := range pkgs {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.Location)))
		if err != nil {
			return nil, fmt.Errorf("primary lists %s: %w", p.Location, err)
		}
		if sum(data) != p.PkgID || int64(len(data)) != p.PackageSize {
			return nil, fmt.Errorf("%s: checksum or size differs from primary.xml", p.Location)
		}
		listed = append(listed, p.Location)
	}
	sort.Strings(listed)
	var present []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".rpm") && !strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(dir, p)
			present = append(present, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(present)
	if strings.Join(present, "\n") != strings.Join(listed, "\n") {
		return listed, fmt.Errorf("RPMs present %v, indexed %v", present, listed)
	}
	return listed, nil
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Snapshot maps every file and directory under dir to its size, mode,
// modification time and content digest, so that tests can prove a second
// publish changed nothing.
func Snapshot(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		v := fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + sum(data)
		}
		out[rel] = v
		return nil
	})
	return out, err
}
