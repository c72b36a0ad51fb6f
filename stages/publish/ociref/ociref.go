// Package ociref is the part of `qm-build publish --oci` that qm-build
// itself runs, without linking a registry client: the check of the --oci
// reference (the same references accepted and refused, with the same
// messages, as package oci's ParseRef, which go-containerregistry's name
// package backs), the request qm-build hands the qm-build-publish program as
// JSON on its standard input, and the result that program writes back.
//
// qm-build-publish (cmd/qm-build-publish) links package oci, and so
// go-containerregistry, net/http and the docker credential helpers; qm-build
// runs it for the push only, so that no other command pays for them at
// start-up.
package ociref

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
)

// Binary is the program that pushes: found beside qm-build, else on PATH.
const Binary = "qm-build-publish"

// Request is what qm-build hands Binary (`qm-build-publish request`) once
// everything it can check is checked: the reference, the RPM files (Binary
// reads them, each at most MaxPackageFile bytes) and the options.
type Request struct {
	Ref      string   `json:"ref"`
	Paths    []string `json:"paths"`
	Insecure bool     `json:"insecure,omitempty"`
	Repodata bool     `json:"repodata,omitempty"`
	// Time is the build time (SOURCE_DATE_EPOCH, or qm-build's clock).
	Time time.Time `json:"time"`
}

// MaxPackageFile bounds an RPM given to publish (read whole into memory).
const MaxPackageFile = 2 << 30

// Result is the pushed artifact, written by Binary as JSON on its standard
// output.
type Result struct {
	Reference string   `json:"reference"` // REGISTRY/REPO@sha256:…
	Digest    string   `json:"digest"`
	Layers    []string `json:"layers"` // titles, in order
}

// Check checks a registry reference (--oci): a malformed one, or one whose
// registry port is not a TCP port (1-65535), is bad input naming the flag.
// It returns the registry host.
func Check(ref string) (string, error) {
	bad := func(err error) error {
		return &rpmspec.InputError{Field: "--oci", Msg: fmt.Sprintf("%q", ref), Err: err}
	}
	host, err := parseReference(ref)
	if err != nil {
		return "", bad(err)
	}
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.HasSuffix(host, "]") {
		port, err := strconv.Atoi(host[i+1:])
		if err != nil || port < 1 || port > 65535 {
			return "", bad(fmt.Errorf("registry port %q is not a TCP port (1-65535)", host[i+1:]))
		}
	}
	return host, nil
}

// The reference grammar, as go-containerregistry's name package (weak
// validation) applies it.
const (
	defaultRegistry  = "index.docker.io"
	registryAlias    = "docker.io"
	defaultNamespace = "library"
	repositoryChars  = "abcdefghijklmnopqrstuvwxyz0123456789_-./"
	tagChars         = "abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// parseReference returns the registry of a tag or digest reference.
func parseReference(s string) (string, error) {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return "", fmt.Errorf("image reference must not contain a URL scheme (http:// or https://): %s; to connect to a registry over plain HTTP, use name.Insecure", s)
	}
	if reg, _, ok := parseTag(s); ok {
		return reg, nil
	}
	if reg, ok := parseDigest(s); ok {
		return reg, nil
	}
	return "", fmt.Errorf("could not parse reference: %s", s)
}

// parseTag parses REPOSITORY[:TAG] and returns the registry and the
// repository's full name.
func parseTag(s string) (string, string, bool) {
	base, tag := s, ""
	parts := strings.Split(s, ":")
	if last := parts[len(parts)-1]; len(parts) > 1 && !strings.Contains(last, "/") {
		base, tag = strings.Join(parts[:len(parts)-1], ":"), last
		if tag == "" {
			return "", "", false
		}
	}
	if tag != "" && !element(tag, tagChars, 128) {
		return "", "", false
	}
	return parseRepository(base)
}

// parseDigest parses REPOSITORY[:TAG]@ALG:HEX.
func parseDigest(s string) (string, bool) {
	parts := strings.Split(s, "@")
	if len(parts) != 2 || !validDigest(parts[1]) {
		return "", false
	}
	base := parts[0]
	if _, name, ok := parseTag(base); ok {
		base = name
	}
	reg, _, ok := parseRepository(base)
	return reg, ok
}

// parseRepository parses [REGISTRY/]REPO and returns the registry and the
// full name (registry/repo, with Docker Hub's implicit namespace).
func parseRepository(s string) (string, string, bool) {
	if s == "" {
		return "", "", false
	}
	reg, repo := "", s
	if first, rest, ok := strings.Cut(s, "/"); ok && (first == "localhost" || strings.ContainsAny(first, ".:")) {
		reg, repo = first, rest
	}
	if !element(repo, repositoryChars, 255) {
		return "", "", false
	}
	if u, err := url.Parse("//" + reg); err != nil || u.Host != reg {
		return "", "", false
	}
	switch reg {
	case "", registryAlias:
		reg = defaultRegistry
	}
	if reg == defaultRegistry && !strings.Contains(repo, "/") {
		repo = defaultNamespace + "/" + repo
	}
	return reg, reg + "/" + repo, true
}

// element reports whether s has 1 to maxRunes runes, all from allowed.
func element(s, allowed string, maxRunes int) bool {
	n := 0
	for _, r := range s {
		if !strings.ContainsRune(allowed, r) {
			return false
		}
		n++
	}
	return n >= 1 && n <= maxRunes
}

// validDigest reports whether d is ALG:HEX with a known algorithm and its
// length of lower-case hex.
func validDigest(d string) bool {
	alg, hex, _ := strings.Cut(d, ":")
	n := 0
	switch alg {
	case "sha256":
		n = 64
	case "sha384":
		n = 96
	case "sha512":
		n = 128
	}
	if n == 0 || len(hex) != n {
		return false
	}
	for _, c := range hex {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
