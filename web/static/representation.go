package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"io/fs"
	"time"
)

// representation is one encoding of a file, ready for http.ServeContent.
type representation struct {
	encoding string
	etag     string
	content  io.ReadSeeker
	size     int64
	// varies reports whether the file has other encodings, so that caches
	// must key it by Accept-Encoding.
	varies bool
	closer io.Closer
}

// close releases the file behind the representation, if any.
func (rep *representation) close() {
	if rep.closer != nil {
		rep.closer.Close()
	}
}

// choose picks the encoding of the named file to send for the Accept-Encoding
// header accept, among identity, the precompressed siblings NAME.br and
// NAME.gz, and, for a compressible file without a .gz sibling, gzip made on
// the fly.
func (h *handler) choose(name string, info fs.FileInfo, accept string) (*representation, error) {
	acc := parseAcceptEncoding(accept)
	hasBr, hasGz := h.isFile(name+".br"), h.isFile(name+".gz")
	onTheFly := !hasGz && compressible(contentType(name))
	available := map[string]bool{identity: true, brotli: hasBr, gzipped: hasGz || onTheFly}
	varies := hasBr || hasGz || onTheFly
	for {
		var rep *representation
		var err error
		switch enc := acc.best(available); {
		case enc == brotli:
			rep, err = h.open(name+".br", brotli)
		case enc == gzipped && hasGz:
			rep, err = h.open(name+".gz", gzipped)
		case enc == gzipped:
			rep, err = h.gzip(name, info)
		default:
			rep, err = h.open(name, identity)
		}
		if err != nil {
			return nil, err
		}
		if rep == nil {
			// gzip would not make the file smaller: choose again without it.
			available[gzipped] = false
			continue
		}
		rep.varies = varies
		return rep, nil
	}
}

// isFile reports whether name is a regular file of the FS.
func (h *handler) isFile(name string) bool {
	info, err := fs.Stat(h.files, name)
	return err == nil && info.Mode().IsRegular()
}

// open opens the named file as the representation in the coding enc.
func (h *handler) open(name, enc string) (*representation, error) {
	f, err := h.files.Open(name)
	if err != nil {
		return nil, err
	}
	rep, err := h.represent(name, enc, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return rep, nil
}

// represent makes the open file f a representation. Files of an fs.FS need
// not seek, which ServeContent requires; those are read into memory.
func (h *handler) represent(name, enc string, f fs.File) (*representation, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, err
		}
		content = bytes.NewReader(data)
	}
	etag, err := h.etag(name, info, content)
	if err != nil {
		return nil, err
	}
	return &representation{encoding: enc, etag: etag, content: content, size: info.Size(), closer: f}, nil
}

// hashEntry is the ETag of a file as it was when it had this size and
// modification time. An embedded FS has no modification times, but it does
// not change either.
type hashEntry struct {
	size    int64
	modTime time.Time
	etag    string
}

// etag returns the ETag of the named file, whose content is r, hashing it
// only when the cache has nothing for the file's size and modification time.
// It leaves r at its start.
func (h *handler) etag(name string, info fs.FileInfo, r io.ReadSeeker) (string, error) {
	h.mu.Lock()
	e, ok := h.hashes[name]
	h.mu.Unlock()
	if ok && e.size == info.Size() && e.modTime.Equal(info.ModTime()) {
		return e.etag, nil
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, r); err != nil {
		return "", err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	e = hashEntry{size: info.Size(), modTime: info.ModTime(), etag: quote(sum)}
	h.mu.Lock()
	h.hashes[name] = e
	h.mu.Unlock()
	return e.etag, nil
}

// quote makes an ETag of a hash: 128 bits are plenty to tell versions of a
// file apart.
func quote(sum hash.Hash) string {
	return `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
}

// gzEntry is the gzip made on the fly of a file as it was when it had this
// size and modification time. data is nil when gzip does not make the file
// smaller.
type gzEntry struct {
	size    int64
	modTime time.Time
	done    chan struct{} // closed once data, etag and err are set
	data    []byte
	etag    string
	err     error
}

// gzip returns the named file gzipped, compressing it on the first request
// only, or nil when that would not make it smaller. The result is kept in
// memory: the files do not change.
func (h *handler) gzip(name string, info fs.FileInfo) (*representation, error) {
	e, owner := h.gzEntry(name, info)
	if owner {
		e.data, e.etag, e.err = compress(h.files, name)
		close(e.done)
		if e.err != nil {
			h.forgetGzip(name, e) // let a later request try again
		}
	}
	<-e.done
	if e.err != nil || e.data == nil {
		return nil, e.err
	}
	return &representation{encoding: gzipped, etag: e.etag, content: bytes.NewReader(e.data), size: int64(len(e.data))}, nil
}

// gzEntry returns the cache entry for the named file, making a fresh one when
// there is none for its size and modification time; owner reports whether
// the caller made it and so must fill it in.
func (h *handler) gzEntry(name string, info fs.FileInfo) (e *gzEntry, owner bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.gzips[name]
	if ok && e.size == info.Size() && e.modTime.Equal(info.ModTime()) {
		return e, false
	}
	e = &gzEntry{size: info.Size(), modTime: info.ModTime(), done: make(chan struct{})}
	h.gzips[name] = e
	return e, true
}

// forgetGzip drops the cache entry e for the named file, unless a newer entry
// replaced it already.
func (h *handler) forgetGzip(name string, e *gzEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gzips[name] == e {
		delete(h.gzips, name)
	}
}

// compress gzips the named file at the best compression, which costs time
// once and saves bytes on every request. It returns nil data when the result
// is not smaller than the file.
func compress(files fs.FS, name string) (data []byte, etag string, err error) {
	raw, err := fs.ReadFile(files, name)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, "", err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	if buf.Len() >= len(raw) {
		return nil, "", nil
	}
	sum := sha256.New()
	sum.Write(buf.Bytes())
	return buf.Bytes(), quote(sum), nil
}
