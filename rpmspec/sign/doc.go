// Package sign holds an OpenPGP signing key and makes the signatures rpm and
// yum repositories want: binary detached signatures for RPM headers (RFC 4880
// §5.2, as rpm's RPMSIGTAG_RSA and RPMSIGTAG_PGP tags hold them) and armored
// detached signatures for repomd.xml.asc.
//
// The API, which the rpm writer and the publish stage build on:
//
//	LoadKey(r io.Reader, name string) (*Key, error)   // armored or binary secret key; errors are bad input
//	(*Key).DetachSign(data []byte) ([]byte, error)    // binary detached signature
//	(*Key).ArmoredDetachSign(data []byte) ([]byte, error)
//	(*Key).PublicKeyArmored() ([]byte, error)         // for rpmkeys --import and RPM-GPG-KEY files
//	(*Key).At(t time.Time) *Key                       // the same key, signing at time t (reproducible output)
//	Generate(name, email string, created time.Time) (*Key, []byte, error) // for tests
//
// Signatures are version 4 with SHA-256, which every rpm since 4.14 verifies.
// RSA signatures (PKCS #1 v1.5) are deterministic, so with a fixed signing time
// (At) the same data gives the same bytes: for RSA keys the random salt
// notation go-crypto adds by default is left out. Signatures by other keys
// (EdDSA, ECDSA) verify but are not reproducible.
package sign
