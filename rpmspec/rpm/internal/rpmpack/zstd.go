package rpmpack

import (
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// qm-build: a pool of zstd encoders per level. An encoder's tables cost
// about a megabyte to allocate and zero, far more than compressing one of
// QM's small payloads; Reset makes a used encoder write exactly what a new
// one would. Concurrency 1 is the synchronous stream encoder; the blocks,
// and so the bytes, are those of the default concurrent one.
var zstdPools sync.Map // zstd.EncoderLevel -> *sync.Pool of *zstd.Encoder

// pooledEncoder returns its encoder to the pool when closed.
type pooledEncoder struct {
	*zstd.Encoder
	pool *sync.Pool
}

// Close flushes the stream and returns the encoder to the pool.
func (p *pooledEncoder) Close() error {
	err := p.Encoder.Close()
	p.Encoder.Reset(nil)
	p.pool.Put(p.Encoder)
	return err
}

func pooledZstd(w io.Writer, level zstd.EncoderLevel) (io.WriteCloser, error) {
	pi, _ := zstdPools.LoadOrStore(level, &sync.Pool{})
	pool, _ := pi.(*sync.Pool)
	if e, ok := pool.Get().(*zstd.Encoder); ok {
		e.Reset(w)
		return &pooledEncoder{e, pool}, nil
	}
	e, err := zstd.NewWriter(w, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	return &pooledEncoder{e, pool}, nil
}
