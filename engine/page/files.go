package page

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hack-pad/hackpadfs"
)

// The editor's files are the shell's: the home directory of its file
// system, the one `ls` and `cat` see. Paths in messages are relative to the
// home directory ("web.yaml", "app/web.yaml").

// File is a file as the page lists it.
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// ModTime is when it last changed, in the cluster's time (as `ls -l`
	// shows it), in milliseconds since the Unix epoch.
	ModTime int64 `json:"modTime"`
}

// Bounds of a listing: how deep it looks and how many files it lists.
const (
	maxDepth = 4
	maxFiles = 500
	maxPath  = 255
)

// homePath checks a path from the page and returns it in the file system.
func (p *Page) homePath(rel string) (string, error) {
	switch {
	case rel == "":
		return "", fmt.Errorf("%w: a path is needed", errBadRequest)
	case len(rel) > maxPath:
		return "", fmt.Errorf("%w: the path is longer than %d bytes", errBadRequest, maxPath)
	case !utf8.ValidString(rel) || strings.ContainsAny(rel, "\x00\\"):
		return "", fmt.Errorf("%w: the path %q has characters a file name cannot have", errBadRequest, rel)
	case strings.HasPrefix(rel, "/"):
		return "", fmt.Errorf("%w: the path %q must be relative to the home directory", errBadRequest, rel)
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: the path %q must name a file inside the home directory", errBadRequest, rel)
		}
	}
	return path.Join(p.cfg.HomeDir, rel), nil
}

// shown turns a file system error into the shell's words for the page.
func shown(rel string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: No such file or directory", rel)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s: File exists", rel)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: Permission denied", rel)
	}
	return fmt.Errorf("%s: %v", rel, err)
}

func (p *Page) opFiles(_ int, raw json.RawMessage) (any, error) {
	if err := args(raw, &struct{}{}); err != nil {
		return nil, err
	}
	files := []File{}
	err := p.list(p.cfg.HomeDir, "", 0, &files)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return struct {
		Files []File `json:"files"`
	}{files}, err
}

// list adds the regular files under dir (an FS path; rel is the same
// relative to home) to out, leaving out hidden ones.
func (p *Page) list(dir, rel string, depth int, out *[]File) error {
	entries, err := hackpadfs.ReadDir(p.cfg.Home, dir)
	if err != nil {
		if depth == 0 && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return shown("~/"+rel, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || len(*out) >= maxFiles {
			continue
		}
		fsPath, relPath := path.Join(dir, name), path.Join(rel, name)
		if e.IsDir() {
			if depth+1 < maxDepth {
				_ = p.list(fsPath, relPath, depth+1, out) // an unreadable directory is left out
			}
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		*out = append(*out, File{Path: relPath, Size: info.Size(), ModTime: info.ModTime().UnixMilli()})
	}
	return nil
}

type pathArgs struct {
	Path string `json:"path"`
}

// FileText is a file with its contents.
type FileText struct {
	File
	Text string `json:"text"`
}

func (p *Page) opRead(_ int, raw json.RawMessage) (any, error) {
	var a pathArgs
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	name, err := p.homePath(a.Path)
	if err != nil {
		return nil, err
	}
	info, err := hackpadfs.Stat(p.cfg.Home, name)
	switch {
	case err != nil:
		return nil, shown(a.Path, err)
	case info.IsDir():
		return nil, fmt.Errorf("%s: Is a directory", a.Path)
	case info.Size() > maxFile:
		return nil, fmt.Errorf("%s: the file is larger than the editor opens (%d bytes)", a.Path, maxFile)
	}
	data, err := hackpadfs.ReadFile(p.cfg.Home, name)
	if err != nil {
		return nil, shown(a.Path, err)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not a text file", a.Path)
	}
	return FileText{File: File{Path: a.Path, Size: int64(len(data)), ModTime: info.ModTime().UnixMilli()}, Text: string(data)}, nil
}

func (p *Page) opWrite(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Path string `json:"path"`
		Text string `json:"text"`
		// Create refuses to replace a file that exists.
		Create bool `json:"create"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	return p.put(a.Path, []byte(a.Text), "text", maxFile, a.Create)
}

// opUpload writes a file dropped on the page into the home directory, as
// copying it onto the machine would: any bytes (an image's module), at
// most maxUpload, never over a file that exists.
func (p *Page) opUpload(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Path string `json:"path"`
		Data []byte `json:"data"` // base64 in the message
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	return p.put(a.Path, a.Data, "file", maxUpload, true)
}

// put writes data, the page's text or file of at most limit bytes, to
// rel in the home directory: never over a directory, and with create
// never over a file.
func (p *Page) put(rel string, data []byte, what string, limit int, create bool) (any, error) {
	name, err := p.homePath(rel)
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: the %s is larger than %d bytes", rel, what, limit)
	}
	if info, err := hackpadfs.Stat(p.cfg.Home, name); err == nil && (create || info.IsDir()) {
		if info.IsDir() {
			return nil, fmt.Errorf("%s: Is a directory", rel)
		}
		return nil, fmt.Errorf("%s: File exists", rel)
	}
	if err := hackpadfs.MkdirAll(p.cfg.Home, path.Dir(name), 0o755); err != nil {
		return nil, shown(path.Dir(rel), err)
	}
	if err := writeFile(p.cfg.Home, name, data); err != nil {
		return nil, shown(rel, err)
	}
	return p.stamp(rel, name, int64(len(data))), nil
}

// writeFile replaces a file's contents, as the shell's redirection does.
func writeFile(fsys hackpadfs.FS, name string, data []byte) error {
	f, err := hackpadfs.OpenFile(fsys, name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = hackpadfs.WriteFile(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stamp dates a file the page changed with the cluster's time, as the
// shell dates the files its commands write.
func (p *Page) stamp(rel, name string, size int64) File {
	s := p.cfg.Session
	s.Lock()
	now := s.Cluster().Now()
	s.Unlock()
	_ = hackpadfs.Chtimes(p.cfg.Home, name, now, now)
	_ = hackpadfs.Chtimes(p.cfg.Home, path.Dir(name), now, now)
	return File{Path: rel, Size: size, ModTime: now.UnixMilli()}
}

func (p *Page) opRename(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	from, err := p.homePath(a.From)
	if err != nil {
		return nil, err
	}
	to, err := p.homePath(a.To)
	if err != nil {
		return nil, err
	}
	info, err := hackpadfs.Stat(p.cfg.Home, from)
	if err != nil {
		return nil, shown(a.From, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s: Is a directory", a.From)
	}
	if _, err := hackpadfs.Stat(p.cfg.Home, to); err == nil {
		return nil, fmt.Errorf("%s: File exists", a.To)
	}
	if err := hackpadfs.MkdirAll(p.cfg.Home, path.Dir(to), 0o755); err != nil {
		return nil, shown(path.Dir(a.To), err)
	}
	if err := hackpadfs.Rename(p.cfg.Home, from, to); err != nil {
		return nil, shown(a.From, err)
	}
	f := File{Path: a.To, Size: info.Size(), ModTime: info.ModTime().UnixMilli()}
	s := p.cfg.Session
	s.Lock()
	now := s.Cluster().Now()
	s.Unlock()
	_ = hackpadfs.Chtimes(p.cfg.Home, path.Dir(to), now, now)
	return f, nil
}

func (p *Page) opDelete(_ int, raw json.RawMessage) (any, error) {
	var a pathArgs
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	name, err := p.homePath(a.Path)
	if err != nil {
		return nil, err
	}
	info, err := hackpadfs.Stat(p.cfg.Home, name)
	if err != nil {
		return nil, shown(a.Path, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s: Is a directory", a.Path)
	}
	if err := hackpadfs.Remove(p.cfg.Home, name); err != nil {
		return nil, shown(a.Path, err)
	}
	s := p.cfg.Session
	s.Lock()
	now := s.Cluster().Now()
	s.Unlock()
	_ = hackpadfs.Chtimes(p.cfg.Home, path.Dir(name), now, now)
	return struct{}{}, nil
}
