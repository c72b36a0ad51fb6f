package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/qm-build/qm-build/blueprints/sbom"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rpmspec/rpm"
)

func cmdSBOM(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "sbom", `qm-build sbom [--dropin NAME]... [--nested-image KEY=SOURCE]... [QM options]
             [--packages-lock FILE] [--out FILE]

Writes the software bill of materials of QM's partition as an SPDX 2.3 JSON
document: the qm and qm-<dropin> packages with the SHA-256 of the RPMs
'qm-build rpm' writes for the same options and SOURCE_DATE_EPOCH, the
packages of QM's rootfs from the package lock (name, version, architecture,
checksum, repository), the nested images baked into QM's store by digest,
and every file qm-build writes with its SHA-1 and SHA-256; the image
CONTAINS the partition, which CONTAINS the packages, images and files.
'qm-build build' writes the same document as OUT/sbom.spdx.json.`)
	pf.PackageFlags(fs)
	pf.TargetFlags(fs)
	pf.ContainerFlags(fs)
	pf.BluechiFlags(fs)
	lockFile := fs.String("packages-lock", "", "package lock (qm-build manifest --write-lock) listing QM's rootfs packages")
	out := cli.OutFlag(fs, "", "write to FILE (atomically) instead of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	lock, err := sbom.ReadLock(*lockFile)
	if err != nil {
		return err
	}
	b, err := composePackages(ctx, e, &pf)
	if err != nil {
		return err
	}
	sums := map[string]string{}
	for _, p := range b.Content.Packages {
		var buf bytes.Buffer
		if err := rpm.Write(&buf, p, rpm.Options{BuildTime: b.Epoch}); err != nil {
			return err
		}
		s := sha256.Sum256(buf.Bytes())
		sums[p.Name] = hex.EncodeToString(s[:])
	}
	d, err := sbom.New(sbom.Input{Content: b.Content, RPMs: sums, Lock: lock, Epoch: b.Epoch, Tool: "qm-build " + toolVersion})
	if err != nil {
		return err
	}
	data, err := d.Encode()
	if err != nil {
		return err
	}
	return writeOutput(e, *out, data)
}
