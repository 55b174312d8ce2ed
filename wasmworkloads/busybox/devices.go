package main

import (
	"crypto/rand"
	"io"
)

// openDevice provides the few /dev files that scripts and commands take
// for granted, whatever filesystem (if any) the host gives the module:
// /dev/null, /dev/zero, /dev/random and /dev/urandom, and /dev/stdin,
// /dev/stdout and /dev/stderr as the given streams.
func openDevice(path string, stdin io.Reader, stdout, stderr io.Writer) (io.ReadWriteCloser, bool) {
	switch path {
	case "/dev/null":
		return device{r: eofReader{}, w: io.Discard}, true
	case "/dev/zero":
		return device{r: zeroReader{}, w: io.Discard}, true
	case "/dev/random", "/dev/urandom":
		return device{r: rand.Reader, w: io.Discard}, true
	case "/dev/stdin":
		if stdin == nil {
			stdin = eofReader{}
		}
		return device{r: stdin, w: io.Discard}, true
	case "/dev/stdout":
		return device{r: eofReader{}, w: stdout}, true
	case "/dev/stderr":
		return device{r: eofReader{}, w: stderr}, true
	}
	return nil, false
}

// device is an open /dev file; closing it leaves the streams open.
type device struct {
	r io.Reader
	w io.Writer
}

func (d device) Read(b []byte) (int, error)  { return d.r.Read(b) }
func (d device) Write(b []byte) (int, error) { return d.w.Write(b) }
func (d device) Close() error                { return nil }

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}
