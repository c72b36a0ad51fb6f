package repodata

import (
	rpmheader "github.com/qm-build/qm-build/rpmspec/rpm/header"
)

// header is one RPM header structure read in place, by qm-build's one header
// reader (rpmspec/rpm/header), which rpmsign shares.
type header = rpmheader.Header

// rpmHeaders are an RPM's signature header and main header.
type rpmHeaders struct {
	sig, main header
}

func newHeader(block []byte, nindex int) header { return rpmheader.New(block, nindex) }

// Tag types the indexer reads (rpmheader.Type*).
const (
	typeInt16       = rpmheader.TypeInt16
	typeInt32       = rpmheader.TypeInt32
	typeInt64       = rpmheader.TypeInt64
	typeString      = rpmheader.TypeString
	typeStringArray = rpmheader.TypeStringArray
	typeI18NString  = rpmheader.TypeI18NString
)
