package target

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// flattenBytes flattens raw layers (tar, or compressed tar) with no digests
// to check, into a spool in dir.
func flattenBytes(dir string, lim Limits, layers ...[]byte) (*imageFS, error) {
	img := &imageSpec{}
	for i, l := range layers {
		data := l
		img.layers = append(img.layers, layerSource{
			name: fmt.Sprintf("layer %d", i+1),
			open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
			size: -1, comp: compressSniff,
		})
		img.blobBytes += int64(len(data))
	}
	return flattenImage(context.Background(), img, dir, lim.withDefaults(), nil)
}
