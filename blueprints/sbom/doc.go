// Package sbom writes the software bill of materials of QM's partition as
// an SPDX 2.3 JSON document (https://spdx.github.io/spdx-spec/v2.3/): the
// qm and drop-in packages qm-build writes, the packages of QM's rootfs from
// the package lock, the nested images baked into QM's store, and every file
// qm-build writes, with the relationships between them
// (docs/sbom.md). It encodes the document itself with encoding/json:
// SPDX libraries stay test-only dependencies, the oracle that parses and
// validates what it writes.
package sbom
