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
	live, merged, err := k.liveAndMergedObjects(m)
	if err != nil {
		return "", "", err
	}
	var from, to map[string]any
	if live != nil {
		if from, err = diffObject(m.r, live); err != nil {
			return "", "", err
		}
	}
	if to, err = diffObject(m.r, merged); err != nil {
		return "", "", err
	}
	if m.r.Group == "" && m.r.Version == "v1" && m.r.Kind == "Secret" {
		maskSecretData(from, to)
	}
	liveYAML := ""
	if from != nil {
		b, err := render(from, "yaml")
		if err != nil {
			return "", "", err
		}
		liveYAML = string(b)
	}
	b, err := render(to, "yaml")
	return liveYAML, string(b), err
}

// liveAndMergedObjects gets the live object (nil when there is none) and
// what applying the manifest would make of it.
func (k *Kubectl) liveAndMergedObjects(m manifest) (api.Object, api.Object, error) {
	if m.name == "" {
		return nil, nil, fmt.Errorf("from %s: cannot use generate name with apply", m.source)
	}
	modified, err := withLastApplied(m.json, m.r, m.ns)
	if err != nil {
		return nil, nil, err
	}
	dry := k.c.DryRun()
	live, err := k.c.Get(m.r, m.ns, m.name)
	if apiserver.IsNotFound(err) {
		obj, err := k.c.Decode(m.r, modified)
		if err == nil {
			obj, err = dry.Create(m.r, m.ns, obj)
		}
		if err != nil {
			return nil, nil, sourceErr("creating", m.source, err)
		}
		return nil, obj, nil
	}
	if err != nil {
		return nil, nil, err
	}
	mergedJSON, err := mergeLive(live, modified)
	if err != nil {
		return nil, nil, err
	}
	obj, err := k.c.Decode(m.r, mergedJSON)
	if err == nil {
		obj, err = dry.Update(m.r, obj)
	}
	if err != nil {
		return nil, nil, sourceErr("patching", m.source, err)
	}
	return live, obj, nil
}

// diffObject is an object as kubectl diff writes it: without its managed
// fields.
func diffObject(r *api.ResourceInfo, obj api.Object) (map[string]any, error) {
	m, err := unstructured(r, obj)
	if err != nil {
		return nil, err
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "managedFields")
	}
	return m, nil
}

// The masks kubectl diff shows for a Secret's data.
const (
	sensitiveMask       = "***"
	sensitiveMaskBefore = "*** (before)"
	sensitiveMaskAfter  = "*** (after)"
)

// maskSecretData hides the values of a Secret's data on both sides of a
// diff, as kubectl's Masker does: every value becomes ***, and a key whose
// value changes becomes "*** (before)" and "*** (after)", so the diff
// still shows that it changed. Either side may be nil (no object).
func maskSecretData(from, to map[string]any) {
	fd, _ := from["data"].(map[string]any)
	td, _ := to["data"].(map[string]any)
	for k, v := range fd {
		if tv, ok := td[k]; ok {
			if v != tv {
				fd[k], td[k] = sensitiveMaskBefore, sensitiveMaskAfter
				continue
			}
			td[k] = sensitiveMask
		}
		fd[k] = sensitiveMask
	}
	for k := range td {
		if _, ok := fd[k]; !ok {
			td[k] = sensitiveMask
		}
	}
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
