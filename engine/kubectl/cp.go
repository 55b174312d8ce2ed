package kubectl

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"syscall"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// LocalFiles is the file system of the machine kubectl runs on, which
// kubectl cp copies from and to. Names are as typed: relative ones are
// relative to the working directory. A Host that has files implements it.
type LocalFiles interface {
	Lstat(name string) (fs.FileInfo, error)
	ReadDir(name string) ([]fs.DirEntry, error)
	ReadFile(name string) ([]byte, error)
	MkdirAll(name string, perm fs.FileMode) error
	WriteFile(name string, data []byte, perm fs.FileMode) error
}

// errFileSpec is cp's answer to a file spec it cannot read.
var errFileSpec = errors.New("filespec must match the canonical format: [[namespace/]pod:]file/path")

// fileSpec is one side of a copy: a local path, or a file in a pod.
type fileSpec struct {
	namespace, pod, file string
}

// extractFileSpec reads [[namespace/]pod:]file/path as upstream's: a
// colon makes it remote; a trailing slash is dropped.
func extractFileSpec(arg string) (fileSpec, error) {
	i := strings.Index(arg, ":")
	switch {
	case i == 0:
		return fileSpec{}, errFileSpec
	case i < 0:
		return fileSpec{file: stripTrailingSlash(arg)}, nil
	}
	pieces := strings.Split(arg[:i], "/")
	file := stripTrailingSlash(strings.ReplaceAll(arg[i+1:], `\`, "/"))
	switch len(pieces) {
	case 1:
		return fileSpec{pod: pieces[0], file: file}, nil
	case 2:
		return fileSpec{namespace: pieces[0], pod: pieces[1], file: file}, nil
	}
	return fileSpec{}, errFileSpec
}

func stripTrailingSlash(file string) string {
	if file != "/" && strings.HasSuffix(file, "/") {
		return file[:len(file)-1]
	}
	return file
}

// cpOptions are cp's flags and where it runs.
type cpOptions struct {
	ns, container string
	noPreserve    bool
	retries       int64
	files         LocalFiles
}

// cp is `kubectl cp <file-spec-src> <file-spec-dest>` (pkg/cmd/cp): it
// runs tar in the container, feeding it an archive of the local files or
// unpacking the archive it writes, so the image must have tar.
func (k *Kubectl) cp(ctx context.Context, io IO, args []string) error {
	flags := newFlagSet("cp")
	nsFlag := k.commonFlags(flags)
	container := flags.String("container", "c", "")
	noPreserve := flags.Bool("no-preserve", "", false)
	retries := flags.Int("retries", "", 0)
	pos, _, err := flags.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("source and destination are required")
	}
	src, err := extractFileSpec(pos[0])
	if err != nil {
		return err
	}
	dest, err := extractFileSpec(pos[1])
	if err != nil {
		return err
	}
	files, ok := k.host.(LocalFiles)
	if !ok {
		return errors.New("kubectl cp needs a file system, which this terminal does not have")
	}
	o := cpOptions{ns: k.ns(nsFlag), container: *container, noPreserve: *noPreserve, retries: *retries, files: files}
	switch {
	case src.pod != "" && dest.pod != "":
		return errors.New("one of src or dest must be a local file specification")
	case src.file == "" || dest.file == "":
		return errors.New("filepath can not be empty")
	case src.pod != "":
		return k.copyFromPod(ctx, io, o, src, dest)
	case dest.pod != "":
		return k.copyToPod(ctx, io, o, src, dest)
	}
	return errors.New("one of src or dest must be a remote file specification")
}

// cpExec runs a command in the pod as cp's ExecOptions do: the pod
// looked up, a completed one refused, the container defaulted (saying
// so on stderr), then the exec with its streams.
func (k *Kubectl) cpExec(ctx context.Context, o cpOptions, spec fileSpec, command []string, streams IO) error {
	ns := spec.namespace
	if ns == "" {
		ns = o.ns
	}
	pod, err := client.Get[*api.Pod](k.c, ns, spec.pod)
	if err != nil {
		return err
	}
	if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
		return fmt.Errorf("cannot exec into a container in a completed pod; current phase is %s", pod.Status.Phase)
	}
	container := o.container
	if container == "" {
		container = defaultContainer(streams, pod)
	}
	return k.stream(ctx, streams, streamOptions{stdin: streams.In != nil}, func(opts apiserver.ExecOptions) error {
		opts.Container, opts.Command = container, command
		return k.c.PodExec(ctx, pod.Namespace, pod.Name, opts)
	})
}

// copyToPod archives the local file or directory and unpacks it with
// `tar -xmf - -C DIR` in the container; into dest when dest is a
// directory there (`test -d`), else as dest.
func (k *Kubectl) copyToPod(ctx context.Context, io IO, o cpOptions, src, dest fileSpec) error {
	if _, err := o.files.Lstat(src.file); err != nil {
		return fmt.Errorf("%s doesn't exist in local filesystem", src.file)
	}
	destFile := dest.file
	quiet := IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	if k.cpExec(ctx, o, dest, []string{"test", "-d", dest.file}, quiet) == nil {
		destFile = path.Join(destFile, path.Base(src.file))
	}
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	srcPath, destPath := path.Clean(src.file), path.Clean(destFile)
	if err := cpTar(o.files, tw, srcPath, path.Base(destPath)); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	command := []string{"tar", "-xmf", "-"}
	if o.noPreserve {
		command = []string{"tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"}
	}
	if dir := path.Dir(destFile); dir != "" {
		command = append(command, "-C", dir)
	}
	return k.cpExec(ctx, o, dest, command, IO{In: &archive, Out: io.Out, Err: io.Err})
}

// cpTar writes a local file or tree into the archive under name, as
// upstream's recursiveTar: an empty directory gets an entry of its own, a
// directory with files only theirs.
func cpTar(files LocalFiles, tw *tar.Writer, src, name string) error {
	fi, err := files.Lstat(src)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		entries, err := files.ReadDir(src)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			hdr, _ := tar.FileInfoHeader(fi, "")
			hdr.Name = name
			return tw.WriteHeader(hdr)
		}
		for _, e := range entries {
			if err := cpTar(files, tw, path.Join(src, e.Name()), path.Join(name, e.Name())); err != nil {
				return err
			}
		}
		return nil
	}
	if !fi.Mode().IsRegular() {
		return nil // the shell's file system has only files and directories
	}
	data, err := files.ReadFile(src)
	if err != nil {
		return err
	}
	hdr, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	hdr.Name = name
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = tw.Write(data)
	return err
}

// copyFromPod runs `tar cf - SRC` in the container and unpacks what it
// writes into dest. tar's messages go to standard output, as upstream
// sends them; as upstream's, a tar that fails after writing an archive
// (a file that does not exist) ends with success (kubernetes/kubectl#980),
// while one that writes nothing (no tar in the image) fails.
func (k *Kubectl) copyFromPod(ctx context.Context, io IO, o cpOptions, src, dest fileSpec) error {
	command := []string{"tar", "cf", "-", src.file}
	if o.retries != 0 {
		command = []string{"sh", "-c", "tar cf - " + src.file + " | tail -c+0"}
	}
	var archive bytes.Buffer
	execErr := k.cpExec(ctx, o, src, command, IO{Out: &archive, Err: io.Out})
	if archive.Len() == 0 && execErr != nil {
		return execErr
	}
	prefix := stripPathShortcuts(path.Clean(strings.TrimLeft(src.file, `/\`)))
	ns := src.namespace
	if ns == "" {
		ns = o.ns
	}
	return untarAll(io, o.files, &archive, prefix, dest.file, [3]string{ns, src.pod, src.file})
}

// untarAll unpacks the archive into dest as upstream's: each member's
// name must start with prefix, which is cut; members that would land
// outside dest and symbolic links are skipped with a warning (origin is
// the namespace, pod and path copied from, for the warning's advice).
func untarAll(streams IO, files LocalFiles, r io.Reader, prefix, dest string, origin [3]string) error {
	tr := tar.NewReader(r)
	warned := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !strings.HasPrefix(hdr.Name, prefix) {
			return errors.New("tar contents corrupted")
		}
		name := path.Join(dest, stripTrailingSlash(hdr.Name[len(prefix):]))
		if !isRelative(dest, name) {
			fmt.Fprintf(streams.Err, "warning: file %q is outside target destination, skipping\n", name)
			continue
		}
		if err := files.MkdirAll(path.Dir(name), 0o755); err != nil {
			return err
		}
		mode := hdr.FileInfo().Mode()
		switch {
		case mode.IsDir():
			if err := files.MkdirAll(name, 0o755); err != nil {
				return err
			}
			continue
		case mode&fs.ModeSymlink != 0 && !warned:
			fmt.Fprintf(streams.Err, "warning: skipping symlink: %q -> %q (consider using \"kubectl exec -n %q %q -- tar cf - %q | tar xf -\")\n", name, hdr.Linkname, origin[0], origin[1], origin[2])
			warned = true
			continue
		case mode&fs.ModeSymlink != 0:
			fmt.Fprintf(streams.Err, "warning: skipping symlink: %q -> %q\n", name, hdr.Linkname)
			continue
		}
		if err := writeLocal(files, tr, name); err != nil {
			return err
		}
	}
}

// writeLocal creates a file as os.Create does (a directory in the way is
// an error, in its words).
func writeLocal(files LocalFiles, r io.Reader, name string) error {
	if fi, err := files.Lstat(name); err == nil && fi.IsDir() {
		return &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return files.WriteFile(name, data, 0o644)
}

// isRelative tells whether target is base or inside it.
func isRelative(base, target string) bool {
	base, target = path.Clean(base), path.Clean(target)
	switch {
	case base == target:
		return true
	case base == ".":
		return !path.IsAbs(target) && target != ".." && !strings.HasPrefix(target, "../")
	case base == "/":
		return path.IsAbs(target)
	}
	return strings.HasPrefix(target, base+"/")
}

// stripPathShortcuts removes leading "../" and a lone "." or "..".
func stripPathShortcuts(p string) string {
	for strings.HasPrefix(p, "../") {
		p = strings.TrimPrefix(p, "../")
	}
	if p == "." || p == ".." {
		p = ""
	}
	return strings.TrimPrefix(p, "/")
}
