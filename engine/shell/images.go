package shell

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"text/tabwriter"

	"mvdan.cc/sh/v3/interp"
)

// Registry is the cluster's image registry as `kubeplay image` drives
// it, the user pushing to it as to any registry. The shell finds it on
// its Cloud: a cloud that has a registry implements this too.
type Registry interface {
	Images() []RegistryImage
	TagImage(source, target string) error
	LoadImage(name string, module []byte, from string) (string, error)
}

// RegistryImage is an image as `kubeplay image ls` lists it.
type RegistryImage struct {
	Repository string // normalized: docker.io/library/busybox
	Tag        string // "" for any tag
	Digest     string // the module's, sha256:...
	Size       int64
	Component  bool
}

var kubeplayImageTools = map[string]*tool{
	"ls": {name: "kubeplay image ls", usage: []string{"kubeplay image ls [OPTIONS] [REPOSITORY[:TAG]]"},
		about: "List the images the cluster's registry holds. The built-in images answer to any tag (<any>);\n" +
			"the others are those tagged with 'kubeplay image tag' or loaded with 'kubeplay image load'.",
		opts: []option{
			{short: 'q', long: "quiet", help: "only show image IDs"},
			{long: "digests", help: "show digests"},
			{long: "no-trunc", help: "don't truncate output"},
		}, status: 1},
	"tag": {name: "kubeplay image tag", usage: []string{"kubeplay image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"},
		about: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE, in the cluster's registry: as docker tag\n" +
			"then docker push, so that pods naming TARGET_IMAGE run SOURCE_IMAGE's module.", status: 1},
	"load": {name: "kubeplay image load", usage: []string{"kubeplay image load FILE NAME[:TAG]"},
		about: "Load a WASI module (a .wasm file of the shell's file system, such as a Go program built with\n" +
			"GOOS=wasip1 GOARCH=wasm) into the cluster's registry as the image NAME. Its entrypoint is /NAME.", status: 1},
}

// kubeplayImage is `kubeplay image ls|tag|load`.
func (s *Shell) kubeplayImage(hc interp.HandlerContext, args []string) int {
	if len(args) == 0 {
		return kubeplayTool.usageError(hc.Stderr, "missing command after 'image'")
	}
	verb, rest := args[0], args[1:]
	if verb == "list" {
		verb = "ls"
	}
	t, ok := kubeplayImageTools[verb]
	if !ok {
		return kubeplayTool.usageError(hc.Stderr, "unknown command 'image %s'", args[0])
	}
	p, code, done := t.parse(hc, rest)
	if done {
		return code
	}
	reg, ok := s.cfg.Cloud.(Registry)
	if !ok {
		fmt.Fprintln(hc.Stderr, "kubeplay: this shell has no registry to drive")
		return 1
	}
	switch verb {
	case "ls":
		return s.imageList(hc, t, reg, p)
	case "tag":
		return s.imageTag(hc, t, reg, p.args)
	}
	return s.imageLoad(hc, t, reg, p.args)
}

func (s *Shell) imageList(hc interp.HandlerContext, t *tool, reg Registry, p parsed) int {
	if len(p.args) > 1 {
		return t.usageError(hc.Stderr, "extra operand '%s'", p.args[1])
	}
	s.cfg.Lock()
	images := reg.Images()
	s.cfg.Unlock()
	if len(p.args) == 1 {
		images = filterImages(images, p.args[0])
	}
	printImages(hc.Stdout, images, p.has("q"), p.has("digests"), p.has("no-trunc"))
	return 0
}

// filterImages keeps the images a REPOSITORY[:TAG] argument names.
func filterImages(images []RegistryImage, arg string) []RegistryImage {
	repo, tag := arg, ""
	if i := strings.LastIndexByte(arg, ':'); i > strings.LastIndexByte(arg, '/') {
		repo, tag = arg[:i], arg[i+1:]
	}
	var out []RegistryImage
	for _, img := range images {
		if familiar(img.Repository) != familiar(repo) && img.Repository != repo {
			continue
		}
		if tag == "" || img.Tag == tag || img.Tag == "" {
			out = append(out, img)
		}
	}
	return out
}

// familiar is a repository as docker shows it.
func familiar(repo string) string {
	repo = strings.TrimPrefix(repo, "docker.io/")
	if rest, ok := strings.CutPrefix(repo, "library/"); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return repo
}

// printImages prints docker image ls's table.
func printImages(w io.Writer, images []RegistryImage, quiet, digests, noTrunc bool) {
	id := func(img RegistryImage) string {
		if noTrunc {
			return img.Digest
		}
		return strings.TrimPrefix(img.Digest, "sha256:")[:12]
	}
	if quiet {
		for _, img := range images {
			fmt.Fprintln(w, id(img))
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	head := "REPOSITORY\tTAG\t"
	if digests {
		head += "DIGEST\t"
	}
	fmt.Fprintln(tw, head+"IMAGE ID\tSIZE")
	for _, img := range images {
		tag := img.Tag
		if tag == "" {
			tag = "<any>"
		}
		line := familiar(img.Repository) + "\t" + tag + "\t"
		if digests {
			line += img.Digest + "\t"
		}
		fmt.Fprintln(tw, line+id(img)+"\t"+dockerSize(img.Size))
	}
	tw.Flush()
}

// dockerSize is docker's size: decimal units, three significant digits.
func dockerSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return strconv.FormatFloat(v, 'g', 3, 64) + units[i]
}

func (s *Shell) imageTag(hc interp.HandlerContext, t *tool, reg Registry, args []string) int {
	if len(args) != 2 {
		return t.usageError(hc.Stderr, "requires exactly 2 arguments")
	}
	s.cfg.Lock()
	err := reg.TagImage(args[0], args[1])
	var pushed RegistryImage
	if err == nil {
		pushed = findImage(reg.Images(), args[1])
	}
	s.cfg.Unlock()
	if err != nil {
		fmt.Fprintln(hc.Stderr, err)
		return 1
	}
	// What docker push says once the registry has it.
	fmt.Fprintf(hc.Stdout, "The push refers to repository [%s]\n%s: digest: %s size: %d\n", pushed.Repository, pushed.Tag, pushed.Digest, pushed.Size)
	return 0
}

// findImage finds the user's image a reference names.
func findImage(images []RegistryImage, ref string) RegistryImage {
	for _, img := range images {
		if img.Tag != "" && (familiar(img.Repository)+":"+img.Tag == ref || img.Repository+":"+img.Tag == ref ||
			(familiar(img.Repository) == ref || img.Repository == ref) && img.Tag == "latest") {
			return img
		}
	}
	return RegistryImage{}
}

func (s *Shell) imageLoad(hc interp.HandlerContext, t *tool, reg Registry, args []string) int {
	if len(args) != 2 {
		return t.usageError(hc.Stderr, "requires exactly 2 arguments")
	}
	file, name := args[0], args[1]
	data, err := s.readInput(hc, file)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "open %s: %s\n", file, strings.ToLower(errText(err)))
		return 1
	}
	s.cfg.Lock()
	full, err := reg.LoadImage(name, data, path.Clean(abs(hc.Dir, file)))
	s.cfg.Unlock()
	if err != nil {
		if !strings.HasPrefix(err.Error(), "Error ") && !strings.HasPrefix(err.Error(), "refusing") {
			err = fmt.Errorf("Error response from daemon: %s: %w", file, err)
		}
		fmt.Fprintln(hc.Stderr, err)
		return 1
	}
	fmt.Fprintf(hc.Stdout, "Loaded image: %s\n", familiar(strings.SplitN(full, "@", 2)[0]))
	return 0
}
