package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// ValidateWASI checks that a module is one the runtime can run as a
// container: a WebAssembly module (version 1) whose sections are well
// framed, a WASI command (it exports _start and its memory), importing
// only from WASI preview 1 and kubeplay's host modules. Its code is
// checked when it is compiled, at the first pull.
func ValidateWASI(module []byte) error {
	if len(module) < 8 || string(module[:4]) != "\x00asm" {
		return errors.New("not a WebAssembly module: it does not start with \\0asm")
	}
	if string(module[4:8]) != "\x01\x00\x00\x00" {
		return errors.New("not a WebAssembly module of version 1 (a component, or a later format?)")
	}
	r := &wasmReader{b: module, pos: 8}
	exports := map[string]byte{}
	for r.pos < len(r.b) {
		id := r.byte()
		size := r.uleb()
		if r.err != nil || r.pos+int(size) > len(r.b) {
			return errors.New("not a valid WebAssembly module: a section runs past its end")
		}
		body := &wasmReader{b: r.b[r.pos : r.pos+int(size)]}
		r.pos += int(size)
		switch id {
		case 2:
			if err := checkImports(body); err != nil {
				return err
			}
		case 7:
			body.exports(exports)
		}
		if body.err != nil {
			return fmt.Errorf("not a valid WebAssembly module: section %d: %v", id, body.err)
		}
	}
	isFunc := func(name string) bool { kind, ok := exports[name]; return ok && kind == 0x00 }
	// A reactor built as kubeplay's Go images are (wasmworkloads/sdk/start)
	// starts at its kubeplay_main, from a snapshot of its _initialize.
	if !isFunc("_start") && !(isFunc("_initialize") && isFunc("kubeplay_main")) {
		return errors.New("not a WASI command: it exports no _start function (a library, or a reactor?)")
	}
	if kind, ok := exports["memory"]; !ok || kind != 0x02 {
		return errors.New("not a WASI command: it exports no memory")
	}
	return nil
}

// checkImports accepts imports from WASI preview 1 and kubeplay's own
// host modules only: anything else would fail to instantiate.
func checkImports(r *wasmReader) error {
	n := r.uleb()
	for i := uint64(0); i < n && r.err == nil; i++ {
		mod, name := r.name(), r.name()
		kind := r.byte()
		switch kind {
		case 0x00:
			r.uleb() // type index
		case 0x01:
			r.byte() // reference type
			r.limits()
		case 0x02:
			r.limits()
		case 0x03:
			r.byte() // value type
			r.byte() // mutability
		default:
			r.fail("unknown import kind")
		}
		if r.err == nil && mod != "wasi_snapshot_preview1" && !strings.HasPrefix(mod, "kubeplay") {
			return fmt.Errorf("not a WASI module: it imports %s.%s, which a WASI host does not provide (only wasi_snapshot_preview1 and kubeplay's host modules are there)", mod, name)
		}
	}
	return nil
}

// wasmReader reads the binary format's numbers and names.
type wasmReader struct {
	b   []byte
	pos int
	err error
}

func (r *wasmReader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
}

func (r *wasmReader) byte() byte {
	if r.pos >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *wasmReader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 || r.err != nil {
			return v
		}
	}
	r.fail("a number is too long")
	return 0
}

func (r *wasmReader) name() string {
	n := int(r.uleb())
	if r.err != nil || r.pos+n > len(r.b) {
		r.fail("a name runs past its section")
		return ""
	}
	s := string(r.b[r.pos : r.pos+n])
	r.pos += n
	return s
}

func (r *wasmReader) limits() {
	if flags := r.byte(); flags&1 != 0 {
		r.uleb()
	}
	r.uleb()
}

// exports reads the export section into kinds by name.
func (r *wasmReader) exports(into map[string]byte) {
	n := r.uleb()
	for i := uint64(0); i < n && r.err == nil; i++ {
		name := r.name()
		kind := r.byte()
		r.uleb()
		into[name] = kind
	}
}
