package network

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// hostCalls are kubeplay_net's functions with their parameters (true for
// an i64); each returns an i32.
var hostCalls = []struct {
	name   string
	params []bool
}{
	{"listen", []bool{false}}, {"accept", []bool{false}}, {"connect", []bool{false, false}}, {"status", []bool{false}},
	{"recv", []bool{false, false, false}}, {"send", []bool{false, false, false}}, {"shutdown", []bool{false}},
	{"close", []bool{false}}, {"addr", []bool{false, false}}, {"wait", []bool{true}},
	{"lookup", []bool{false, false, false, false, false}}, {"lookup_ptr", []bool{false, false, false, false}},
	{"wait_ready", []bool{true, false, false}},
}

// maliciousModule assembles a module that makes the calls ops describes
// (each a function's index byte, then its arguments little-endian, 4
// bytes for an i32 and 8 for an i64; a short tail is zeros), dropping
// their results, then exits 0 with proc_exit. It reports whether it made
// a wait, which may park the guest for good as epoll_wait(-1) does.
func maliciousModule(ops []byte) (bin []byte, waits bool) {
	leb := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	sleb := func(v int64) []byte {
		var b []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	name := func(s string) []byte { return append(leb(uint64(len(s))), s...) }
	vec := func(items ...[]byte) []byte {
		out := leb(uint64(len(items)))
		for _, it := range items {
			out = append(out, it...)
		}
		return out
	}
	section := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, leb(uint64(len(body)))...), body...)
	}
	// Types: 0 is (i32) -> () for proc_exit, 1+i the i-th host call's.
	types := [][]byte{{0x60, 1, 0x7f, 0}}
	imports := [][]byte{append(append(name("wasi_snapshot_preview1"), name("proc_exit")...), 0x00, 0)}
	for i, c := range hostCalls {
		t := []byte{0x60, byte(len(c.params))}
		for _, i64 := range c.params {
			t = append(t, map[bool]byte{false: 0x7f, true: 0x7e}[i64])
		}
		types = append(types, append(t, 1, 0x7f))
		imports = append(imports, append(append(append(name(ModuleName), name(c.name)...), 0x00), leb(uint64(1+i))...))
	}
	var code []byte
	for calls := 0; len(ops) > 0 && calls < 16; calls++ {
		fn := int(ops[0]) % len(hostCalls)
		ops = ops[1:]
		for _, i64 := range hostCalls[fn].params {
			var arg [8]byte
			n := map[bool]int{false: 4, true: 8}[i64]
			ops = ops[copy(arg[:n], ops):]
			if i64 {
				code = append(append(code, 0x42), sleb(int64(binary.LittleEndian.Uint64(arg[:])))...)
			} else {
				code = append(append(code, 0x41), sleb(int64(int32(binary.LittleEndian.Uint32(arg[:]))))...)
			}
		}
		code = append(append(append(code, 0x10), leb(uint64(1+fn))...), 0x1a) // call, drop
		waits = waits || hostCalls[fn].name == "wait" || hostCalls[fn].name == "wait_ready"
	}
	code = append(code, 0x41, 0, 0x10, 0) // proc_exit(0)
	body := append(append([]byte{0}, code...), 0x0b)
	start := uint64(len(imports))
	// the last type: () -> () for _start
	types = append(types, []byte{0x60, 0, 0})
	bin = append([]byte{0, 'a', 's', 'm', 1, 0, 0, 0}, section(1, vec(types...))...)
	bin = append(bin, section(2, vec(imports...))...)
	bin = append(bin, section(3, vec(leb(uint64(len(types)-1))))...)
	bin = append(bin, section(5, vec([]byte{0x00, 1}))...)
	bin = append(bin, section(7, vec(append(name("memory"), 0x02, 0), append(append(name("_start"), 0x00), leb(start)...)))...)
	bin = append(bin, section(10, vec(append(leb(uint64(len(body))), body...)))...)
	return bin, waits
}

// FuzzHostCalls: a module calling kubeplay_net with any arguments (bad
// handles, pointers and lengths past its memory, negative sizes and
// timeouts) gets results, never a host panic: the guest runs on to its
// proc_exit(0), unless it waits, which may park it.
func FuzzHostCalls(f *testing.F) {
	le32 := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		return b
	}
	for _, ops := range [][]byte{
		{},
		append([]byte{0}, le32(80)...), // listen(80)
		append(append([]byte{0}, le32(80)...), append([]byte{1}, le32(3)...)...),                           // listen, accept
		append([]byte{2}, le32(0x0af40102, 80)...),                                                         // connect to itself, refused
		append(append([]byte{2}, le32(0x0af40102, 80)...), append([]byte{5}, le32(3, 0, 16)...)...),        // send before connected
		append(append([]byte{0}, le32(80)...), append([]byte{8}, le32(3, 0xfffffffc)...)...),               // addr past memory
		append(append([]byte{2}, le32(0x0a000001, 53)...), append([]byte{4}, le32(3, 65530, 100)...)...),   // recv past memory
		append([]byte{4}, le32(3, 0, 0xffffffff)...),                                                       // a bad handle, length -1
		append([]byte{9}, 1, 0, 0, 0, 0, 0, 0, 0),                                                          // wait(1ns)
		append([]byte{10}, le32(0, 0xffffffff, 0x0a600000, 65532, 0x7fffffff)...),                          // lookup past memory
		append([]byte{11}, le32(0x0a600001, 0x0a60000a, 0xffffff00, 0xffffffff)...),                        // lookup_ptr
		append(append([]byte{0}, le32(0xffffffff)...), append([]byte{7}, le32(3)...)...),                   // listen(-1), close
		{6, 3, 0, 0, 0, 7, 3, 0, 0, 0, 7, 3, 0, 0, 0},                                                      // shutdown, close twice
		append(append(append([]byte{0}, le32(80)...), 12, 1, 0, 0, 0, 0, 0, 0, 0), le32(0xfffffffc, 4)...), // listen, wait_ready(1ns) into the memory's end
	} {
		f.Add(ops)
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 256 {
			return
		}
		bin, waits := maliciousModule(ops)
		l := loop.New(epoch)
		n := New(l)
		reg := runtime.NewRegistry(runtime.NewFSSource(fstest.MapFS{}))
		ref, err := reg.Load("evil", bin, "evil.wasm")
		require.NoError(t, err)
		e := runtime.NewEngine(reg, runtime.Options{HostModules: []runtime.HostModule{n.Module(nil)}})
		defer func() { _ = e.Close() }()
		rt := runtime.New("node01", e, l, rand.New(rand.NewPCG(1, 1)), nil)
		var img runtime.Image
		rt.PullImage(ref, func(i runtime.Image, _ time.Duration, err error) { img = i; require.NoError(t, err) })
		l.AdvanceBy(10 * time.Second)
		id, err := rt.CreateContainer(runtime.ContainerConfig{Name: "c", Image: img, Command: img.Config.Entrypoint,
			Sandbox: runtime.Sandbox{PodUID: "u", PodName: "p", Network: "n", IP: "10.244.1.2"}})
		require.NoError(t, err)
		require.NoError(t, rt.StartContainer(id))
		l.AdvanceBy(time.Minute)
		s, ok := rt.ContainerStatus(id)
		require.True(t, ok)
		if waits && s.State != runtime.Exited {
			return
		}
		lines, _ := rt.Logs(id)
		require.Equal(t, runtime.Exited, s.State, "%v", lines)
		require.Equal(t, int32(0), s.ExitCode, fmt.Sprintf("%s %s %v", s.Reason, s.Message, lines))
	})
}
