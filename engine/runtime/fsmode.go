package runtime

import (
	"context"
	"io/fs"

	"github.com/tetratelabs/wazero/api"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// File modes. WASI preview 1 has none: a file's stat carries its type
// only, and there is no chmod (Go's wasip1 runtime shows every file as
// 0600 and every directory as 0700, and its Chmod does nothing). The
// runtime's file systems keep modes all the same (the image's files,
// the kubelet's volume files with their defaultMode, what chmod set), and
// its kubeplay_fs host module lets a guest read and set them:
//
//	mode(path_ptr, path_len, follow i32) -> the mode's permission, setuid,
//	                                        setgid and sticky bits (07777), or -errno
//	chmod(path_ptr, path_len, mode i32) -> 0, or -errno
//
// The path is absolute, in the container's tree. The busybox image's ls,
// stat, find, test, cp, tar and chmod use them.
const fsModule = "kubeplay_fs"

// WASI's errno numbers for the errors a path can meet.
var wasiErrnos = map[experimentalsys.Errno]int32{
	experimentalsys.EACCES: 2, experimentalsys.EINVAL: 28, experimentalsys.ELOOP: 32, experimentalsys.ENOENT: 44,
	experimentalsys.ENOTDIR: 54, experimentalsys.EPERM: 63, experimentalsys.EROFS: 69, experimentalsys.ENOSYS: 52,
}

func wasiErrno(e experimentalsys.Errno) int32 {
	if n, ok := wasiErrnos[e]; ok {
		return -n
	}
	return -29 // EIO
}

func (e *Engine) mustInstantiateFS() {
	i32 := api.ValueTypeI32
	b := e.rt.NewHostModuleBuilder(fsModule)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, st []uint64) {
		p, name, ok := fsCall(ctx, m, st)
		if !ok {
			return
		}
		s, errno := p.c.root.fs.Lstat(name)
		if uint32(st[2]) != 0 {
			s, errno = p.c.root.fs.Stat(name)
		}
		if errno != 0 {
			st[0] = uint64(uint32(wasiErrno(errno)))
			return
		}
		st[0] = uint64(unixMode(s.Mode))
	}), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).Export("mode")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, st []uint64) {
		p, name, ok := fsCall(ctx, m, st)
		if !ok {
			return
		}
		st[0] = uint64(uint32(wasiErrnoOrZero(p.c.root.fs.Chmod(name, goMode(uint32(st[2]))))))
	}), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).Export("chmod")
	if _, err := b.Instantiate(e.ctx); err != nil {
		panic(err)
	}
}

// fsCall charges a call and reads its path; a bad one is EINVAL.
func fsCall(ctx context.Context, m api.Module, st []uint64) (*process, string, bool) {
	p := processFrom(ctx)
	p.charge(syscallFuel)
	name, ok := m.Memory().Read(uint32(st[0]), uint32(st[1]))
	if !ok {
		st[0] = uint64(uint32(einval))
	}
	return p, string(name), ok
}

// einval is a bad path's result.
var einval = int32(-28)

// syscallFuel is what a host file call costs the guest.
const syscallFuel = 1000

func wasiErrnoOrZero(e experimentalsys.Errno) int32 {
	if e == 0 {
		return 0
	}
	return wasiErrno(e)
}

// unixMode is a mode's permission and special bits as Linux numbers them.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// goMode is the inverse of unixMode.
func goMode(u uint32) fs.FileMode {
	m := fs.FileMode(u & 0o777)
	if u&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if u&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}
