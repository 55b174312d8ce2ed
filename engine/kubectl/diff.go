package kubectl

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// diffTimeLayout is how GNU diff -u dates the files it compares.
const diffTimeLayout = "2006-01-02 15:04:05.000000000 -0700"

// diff is `kubectl diff -f FILENAME`: for each object, the live one and
// the one `kubectl apply` would make of it (a server-side dry run), as
// YAML files under /tmp/LIVE-N and /tmp/MERGED-N compared by `diff -u -N`.
// The exit status is 0 when nothing would change, 1 when something
// would, and 2 for an error, as upstream.
func (k *Kubectl) diff(ctx context.Context, io IO, args []string) error {
	err := k.runDiff(io, args)
	if _, ok := err.(exitError); ok || err == nil {
		return err
	}
	fmt.Fprint(io.Err, errorMessage(err))
	return exitError{2}
}

func (k *Kubectl) runDiff(io IO, args []string) error {
	fs := newFlagSet("diff")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	fs.Bool("recursive", "R", false)
	fs.String("field-manager", "", "kubectl-client-side-apply")
	fs.Bool("force-conflicts", "", false)
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	if len(*files) == 0 {
		return &usageError{cmd: "diff", msg: "must specify one of -f and -k"}
	}
	ms, err := k.readManifests(io, *files, *nsFlag)
	if err != nil {
		return err
	}
	type pair struct{ name, live, merged string }
	var pairs []pair
	for _, m := range ms {
		live, merged, err := k.liveAndMerged(m)
		if err != nil {
			return err
		}
		pairs = append(pairs, pair{diffFileName(m), live, merged})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].name < pairs[j].name })
	now := k.c.Now()
	liveDir, mergedDir := tempDirName("LIVE", now), tempDirName("MERGED", now)
	differ := false
	for _, p := range pairs {
		hunks := unifiedDiff(p.live, p.merged)
		if hunks == "" {
			continue
		}
		differ = true
		a, b := liveDir+"/"+p.name, mergedDir+"/"+p.name
		fmt.Fprintf(io.Out, "diff -u -N %s %s\n--- %s\t%s\n+++ %s\t%s\n%s", a, b,
			a, fileTime(p.live, now), b, fileTime(p.merged, now), hunks)
	}
	if differ {
		return exitError{1}
	}
	return nil
}

// liveAndMerged renders the live object (empty when there is none) and
// what applying the manifest would make of it.
func (k *Kubectl) liveAndMerged(m manifest) (string, string, error) {
	if m.name == "" {
		return "", "", fmt.Errorf("from %s: cannot use generate name with apply", m.source)
	}
	modified, err := withLastApplied(m.json)
	if err != nil {
		return "", "", err
	}
	dry := k.c.DryRun()
	live, err := k.c.Get(m.r, m.ns, m.name)
	if apiserver.IsNotFound(err) {
		obj, err := k.c.Decode(m.r, modified)
		if err == nil {
			obj, err = dry.Create(m.r, m.ns, obj)
		}
		if err != nil {
			return "", "", sourceErr("creating", m.source, err)
		}
		merged, err := diffYAML(m.r, obj)
		return "", merged, err
	}
	if err != nil {
		return "", "", err
	}
	mergedJSON, err := mergeLive(live, modified)
	if err != nil {
		return "", "", err
	}
	obj, err := k.c.Decode(m.r, mergedJSON)
	if err == nil {
		obj, err = dry.Update(m.r, obj)
	}
	if err != nil {
		return "", "", sourceErr("patching", m.source, err)
	}
	liveYAML, err := diffYAML(m.r, live)
	if err != nil {
		return "", "", err
	}
	merged, err := diffYAML(m.r, obj)
	return liveYAML, merged, err
}

// diffYAML is an object as kubectl diff writes it: YAML, without its
// managed fields.
func diffYAML(r *api.ResourceInfo, obj api.Object) (string, error) {
	m, err := unstructured(r, obj)
	if err != nil {
		return "", err
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "managedFields")
	}
	b, err := render(m, "yaml")
	return string(b), err
}

// diffFileName is the file kubectl diff names an object by:
// [GROUP.]VERSION.KIND.NAMESPACE.NAME.
func diffFileName(m manifest) string {
	name := fmt.Sprintf("%s.%s.%s.%s", m.r.Version, m.r.Kind, m.ns, m.name)
	if m.r.Group != "" {
		name = m.r.Group + "." + name
	}
	return name
}

// tempDirName is the directory os.MkdirTemp would make for kubectl: a
// number after the prefix, here drawn from the cluster's clock so that
// runs repeat.
func tempDirName(prefix string, now time.Time) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s %d", prefix, now.UnixNano())
	return fmt.Sprintf("/tmp/%s-%d", prefix, h.Sum32())
}

// fileTime is the time diff prints for a file: when kubectl wrote it, or
// the epoch for one that does not exist (-N).
func fileTime(content string, now time.Time) string {
	if content == "" {
		return time.Unix(0, 0).UTC().Format(diffTimeLayout)
	}
	return now.UTC().Format(diffTimeLayout)
}
