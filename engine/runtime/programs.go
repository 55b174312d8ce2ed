package runtime

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// busyboxApplets are the commands the busybox module provides: what
// `busybox --list` prints (TestBusyboxAppletsListed keeps them equal). They
// are the /bin of the images built on the busybox module and of the
// userlands it stands in for.
var busyboxApplets = []string{"[", "awk", "base64", "basename", "cat", "chmod", "cp", "cut", "date", "dd", "dirname", "du", "echo", "env", "expr", "false", "find", "free", "grep", "head", "hostname", "id", "kill", "ln", "ls", "md5sum", "mkdir", "mv", "nc", "nproc", "nslookup", "od", "printenv", "printf", "ps", "pwd", "readlink", "realpath", "rev", "rm", "rmdir", "sed", "seq", "sh", "sha1sum", "sha256sum", "sha512sum", "sleep", "sort", "stat", "tail", "tar", "tee", "test", "timeout", "touch", "tr", "true", "uname", "uniq", "watch", "wc", "wget", "whoami", "xargs", "yes"}

// Userlands: the busybox module stands in for a distribution's shell and
// utilities. Alpine's is BusyBox itself; Debian's has bash besides, which
// the busybox module provides when started through its --with-bash
// switch.
const (
	alpineUserland = "alpine"
	debianUserland = "debian"
)

// ErrExecNotFound is the runtime's answer to a command the image does not
// have: runc's words, which kubectl shows.
// With Denied the command is a file without x bits: execve's EACCES,
// which root meets too.
type ErrExecNotFound struct {
	Command string
	Denied  bool
}

func (e ErrExecNotFound) Error() string {
	return fmt.Sprintf("OCI runtime exec failed: exec failed: unable to start container process: exec: %q: %s: unknown", e.Command, e.reason())
}

func (e ErrExecNotFound) reason() string {
	if e.Denied {
		return "permission denied"
	}
	return "executable file not found in $PATH"
}

// denied reports whether a command given by a path names a regular file
// of the container without x bits, which execve refuses.
func (c *container) denied(argv0 string) bool {
	if !strings.Contains(argv0, "/") {
		return false
	}
	p := argv0
	if !path.IsAbs(p) {
		wd := c.cfg.WorkingDir
		if wd == "" {
			wd = c.cfg.Image.Config.WorkingDir
		}
		p = path.Join("/", wd, p)
	}
	p = path.Clean(p)
	stat := c.root.fs.Stat
	if c.root.fs.Unfinished() && !c.kubeletFile(p) {
		// The changes left for the root's first use are the kubelet's
		// files and the mount points (directories): the image's own
		// files, and the volumes, are what they will be.
		stat = c.root.fs.StatUnfinished
	}
	s, e := stat(p)
	return e == 0 && s.Mode.IsRegular() && s.Mode&0o111 == 0
}

// kubeletFile tells whether p is one of the files the kubelet writes in
// the container's root (/etc/hosts, say).
func (c *container) kubeletFile(p string) bool {
	for name := range c.cfg.Files {
		if path.Clean("/"+name) == p {
			return true
		}
	}
	return false
}

// process returns the module and arguments that run a command in this
// image: the image's own module for its programs, the userland's shell and
// utilities for the rest. A command the image does not have is
// ErrExecNotFound; one given by a path that is no known program goes to
// the shell's module, which runs it as a script or says it is missing.
func (cfg ImageConfig) process(argv []string) (module string, args []string, err error) {
	if len(argv) == 0 {
		return cfg.Module, argv, nil
	}
	name := path.Base(argv[0])
	switch {
	case cfg.provides(name):
		return cfg.Module, argv, nil
	case cfg.Userland == debianUserland && (name == "bash" || slices.Contains(busyboxApplets, name) || strings.Contains(argv[0], "/")):
		return "busybox", append([]string{"busybox", "--with-bash"}, argv...), nil
	case cfg.Userland == alpineUserland && (slices.Contains(busyboxApplets, name) || strings.Contains(argv[0], "/")):
		return "busybox", append([]string{"busybox"}, argv...), nil
	case cfg.Userland == "" && cfg.Programs == nil && (cfg.Module != "busybox" || strings.Contains(argv[0], "/")):
		// A module of unknown programs (a loaded image) decides itself.
		return cfg.Module, argv, nil
	}
	return "", nil, ErrExecNotFound{Command: argv[0]}
}

// provides tells whether the image's own module has the program.
func (cfg ImageConfig) provides(name string) bool {
	if cfg.Programs != nil {
		return slices.Contains(cfg.Programs, name)
	}
	if cfg.Module != "busybox" {
		return false
	}
	if slices.Contains(busyboxApplets, name) || name == "busybox" {
		return true
	}
	// The bash image has bash and its entrypoint besides.
	return (name == "bash" || name == "docker-entrypoint.sh") && slices.ContainsFunc(cfg.Env, func(e string) bool { return strings.HasPrefix(e, "_BASH_VERSION=") })
}
