package kubelet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/pki"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// A pod's volumes are hackpadfs trees the runtime mounts into its
// containers (runtime.Mount):
//
//   - emptyDir: a memory file system of the pod's own, shared by its
//     containers, gone with the pod;
//   - configMap, secret, downwardAPI, projected: a memory file system the
//     kubelet writes the files into, mounted read-only, and rewrites when
//     the objects change (on each sync of the pod: its updates and the
//     minute's resync);
//   - hostPath: a directory of the node's disk (Config.Disk), which a
//     persistent volume is too (the local-path provisioner's directories
//     are hostPath volumes), so a claim's data stays on its node across
//     pods, and across reloads when the disk is kept.

// podVolume is one mounted volume of a pod.
type podVolume struct {
	fs       hackpadfs.FS
	dir      string // the volume's directory in fs, "." for a tree of its own
	readOnly bool   // mounted read-only whatever the volume mount says
	// files renders a volume the kubelet writes; nil for the others.
	files   func() (map[string]volumeFile, error)
	tree    *writtenTree // the tree of a volume the kubelet writes (fs); nil on a fake node
	written bool
	// memory is the account of an emptyDir of medium Memory (a tmpfs):
	// its files count toward the memory of the containers that write them.
	memory *runtime.Tmpfs
}

// volumeFile is a file the kubelet projects into a volume.
type volumeFile struct {
	data  []byte
	mode  fs.FileMode
	token *boundToken // a service account token, its bytes made when first needed (data nil)
}

// contents are the file's bytes.
func (f volumeFile) contents() []byte {
	if f.token != nil {
		return f.token.bytes()
	}
	return f.data
}

// Upstream's operation backoff for a volume that failed to mount: 500 ms
// doubling to 2 min 2 s.
const (
	mountBackoffInitial = 500 * time.Millisecond
	mountBackoffMax     = 2*time.Minute + 2*time.Second
)

// mountVolumes sets up the pod's volumes, or refreshes those the kubelet
// writes. It returns how soon to try again when a volume could not be set
// up, and false.
func (k *Kubelet) mountVolumes(p *api.Pod, st *podState) (time.Duration, bool) {
	if st.volumes == nil {
		st.volumes = map[string]*podVolume{}
	}
	if now := k.c.Now(); now.Before(st.mountRetryAt) {
		return st.mountRetryAt.Sub(now), false
	}
	for _, v := range p.Spec.Volumes {
		err := k.mountVolume(p, st, v)
		if err == nil {
			continue
		}
		k.rec.Eventf(p, api.EventWarning, "FailedMount", "MountVolume.SetUp failed for volume %q : %v", v.Name, err)
		if vol := st.volumes[v.Name]; vol != nil && (vol.files == nil || vol.written) {
			// A mounted volume that cannot be refreshed keeps its files;
			// the pod goes on.
			continue
		}
		st.mountBackoff = min(max(2*st.mountBackoff, mountBackoffInitial), mountBackoffMax)
		st.mountRetryAt = k.c.Now().Add(st.mountBackoff)
		return st.mountBackoff, false
	}
	st.mountBackoff, st.refresh = 0, false
	return 0, true
}

func (k *Kubelet) mountVolume(p *api.Pod, st *podState, v api.Volume) error {
	vol := st.volumes[v.Name]
	if vol == nil {
		var err error
		if vol, err = k.newVolume(p, st, v); err != nil {
			return err
		}
		st.volumes[v.Name] = vol
	}
	// The kubelet writes the volume when it mounts it, then looks at the
	// objects again at each periodic sync of the pod (every minute), as
	// upstream's updates arrive with its sync period.
	now := k.c.Now()
	if vol.files == nil || vol.written && !st.refresh {
		return nil
	}
	files, err := vol.files()
	if err != nil {
		return err
	}
	if vol.tree == nil {
		// A fake node's volume: its sources were checked (a missing
		// ConfigMap fails the mount as on any node), and no program
		// will read its files.
		vol.written = true
		return nil
	}
	if err := vol.tree.write(files, now, p.UID+"/"+v.Name); err != nil {
		return err
	}
	vol.written = true
	return nil
}

// newVolume makes a volume's tree.
func (k *Kubelet) newVolume(p *api.Pod, st *podState, v api.Volume) (*podVolume, error) {
	src := &objectSource{k: k, ns: p.Namespace}
	switch {
	case v.EmptyDir != nil:
		if k.cfg.Fake {
			return &podVolume{dir: "."}, nil // no program writes to it
		}
		fsys, err := newTree(k.c.Now())
		vol := &podVolume{fs: fsys, dir: "."}
		if v.EmptyDir.Medium == "Memory" {
			vol.memory = runtime.NewTmpfs()
		}
		return vol, err
	case v.HostPath != nil:
		return k.hostPath(v.HostPath.Path, api.Deref(v.HostPath.Type, ""))
	case v.PersistentVolumeClaim != nil:
		return k.claimVolume(p.Namespace, v.PersistentVolumeClaim)
	case v.ConfigMap != nil:
		return k.projectedVolume(func() (map[string]volumeFile, error) {
			out := map[string]volumeFile{}
			err := src.configMapFiles(out, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, v.ConfigMap.DefaultMode)
			src.configMaps = nil
			return out, err
		})
	case v.Secret != nil:
		return k.projectedVolume(func() (map[string]volumeFile, error) {
			out := map[string]volumeFile{}
			err := src.secretFiles(out, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, v.Secret.DefaultMode)
			src.secrets = nil
			return out, err
		})
	case v.DownwardAPI != nil:
		return k.projectedVolume(func() (map[string]volumeFile, error) {
			out := map[string]volumeFile{}
			err := k.downwardFiles(out, p, st, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode)
			return out, err
		})
	case v.Projected != nil:
		return k.projectedVolume(func() (map[string]volumeFile, error) {
			out, err := k.projectedFiles(p, st, src, v.Name, v.Projected)
			src.configMaps, src.secrets = nil, nil
			return out, err
		})
	}
	return nil, fmt.Errorf("kubeplay: %s volumes are not simulated: only emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected are", volumeType(v))
}

// projectedVolume is a volume the kubelet writes from files; a fake
// node's has no tree (fs nil): its files are rendered for their errors
// only, as no program reads them.
func (k *Kubelet) projectedVolume(files func() (map[string]volumeFile, error)) (*podVolume, error) {
	if k.cfg.Fake {
		return &podVolume{dir: ".", readOnly: true, files: files}, nil
	}
	tree := newWrittenTree(k.c.Now())
	return &podVolume{fs: tree, tree: tree, dir: ".", readOnly: true, files: files}, nil
}

// volumeType names a volume's source as the API spells it.
func volumeType(v api.Volume) string {
	b, err := json.Marshal(v.VolumeSource)
	if err != nil {
		return "these"
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(string(b), `{"`), `"`)
	return name
}

// diskPath is a node path's place on the node's disk.
func (k *Kubelet) diskPath(p string) string {
	return path.Join(k.diskDir(), strings.TrimPrefix(path.Clean("/"+p), "/"))
}

// onDisk reports whether a node path exists.
func (k *Kubelet) onDisk(p string) bool {
	if k.cfg.Disk == nil {
		return false
	}
	_, err := hackpadfs.Stat(k.cfg.Disk, k.diskPath(p))
	return err == nil
}

// hostPath is a directory (or file) of the node's disk, checked or made
// as its type says.
func (k *Kubelet) hostPath(p, typ string) (*podVolume, error) {
	if k.cfg.Disk == nil {
		return nil, errors.New("kubeplay: this node has no disk for hostPath volumes")
	}
	rel := k.diskPath(p)
	fi, err := hackpadfs.Stat(k.cfg.Disk, rel)
	exists := err == nil
	switch typ {
	case "", "DirectoryOrCreate":
		if !exists {
			if err := runtime.MkdirAt(k.cfg.Disk, rel, k.c.Now()); err != nil {
				return nil, err
			}
		}
	case "Directory":
		if !exists || !fi.IsDir() {
			return nil, fmt.Errorf("hostPath type check failed: %s is not a directory", p)
		}
	case "FileOrCreate":
		if !exists {
			if err := runtime.MkdirAt(k.cfg.Disk, path.Dir(rel), k.c.Now()); err != nil {
				return nil, err
			}
			if err := hackpadfs.WriteFullFile(k.cfg.Disk, rel, nil, 0o644); err != nil {
				return nil, err
			}
			if err := hackpadfs.Chtimes(k.cfg.Disk, rel, k.c.Now(), k.c.Now()); err != nil {
				return nil, err
			}
		}
	case "File":
		if !exists || fi.IsDir() {
			return nil, fmt.Errorf("hostPath type check failed: %s is not a file", p)
		}
	case "Socket":
		return nil, fmt.Errorf("hostPath type check failed: %s is not a socket file", p)
	case "CharDevice":
		return nil, fmt.Errorf("hostPath type check failed: %s is not a character device", p)
	case "BlockDevice":
		return nil, fmt.Errorf("hostPath type check failed: %s is not a block device", p)
	}
	return &podVolume{fs: k.cfg.Disk, dir: rel}, nil
}

func (k *Kubelet) diskDir() string {
	if k.cfg.DiskDir == "" {
		return "."
	}
	return k.cfg.DiskDir
}

// claimVolume is the persistent volume bound to a claim: a hostPath or
// local volume on this node's disk.
func (k *Kubelet) claimVolume(ns string, src *api.PersistentVolumeClaimVolumeSource) (*podVolume, error) {
	claim, err := client.Get[*api.PersistentVolumeClaim](k.c, ns, src.ClaimName)
	if apiserver.IsNotFound(err) {
		return nil, fmt.Errorf("persistentvolumeclaim %q not found", src.ClaimName)
	}
	if err != nil {
		return nil, err
	}
	if claim.Status.Phase != "Bound" || claim.Spec.VolumeName == "" {
		return nil, fmt.Errorf("PVC %s/%s is not bound", ns, src.ClaimName)
	}
	pv, err := client.Get[*api.PersistentVolume](k.c, "", claim.Spec.VolumeName)
	if err != nil {
		return nil, fmt.Errorf("persistentvolume %q not found", claim.Spec.VolumeName)
	}
	if !k.volumeAllowsNode(pv) {
		return nil, fmt.Errorf("MountVolume.NodeAffinity check failed for volume %q : no matching NodeSelectorTerms", pv.Name)
	}
	var vol *podVolume
	switch {
	case pv.Spec.HostPath != nil:
		made := pv.Annotations["pv.kubernetes.io/provisioned-by"] == "rancher.io/local-path" && !k.onDisk(pv.Spec.HostPath.Path)
		vol, err = k.hostPath(pv.Spec.HostPath.Path, api.Deref(pv.Spec.HostPath.Type, ""))
		if err == nil && made {
			// local-path's helper pod makes the directory with mkdir -m 0777
			err = hackpadfs.Chmod(k.cfg.Disk, k.diskPath(pv.Spec.HostPath.Path), fs.ModeDir|0o777)
		}
	case pv.Spec.Local != nil:
		vol, err = k.hostPath(pv.Spec.Local.Path, "Directory")
	default:
		return nil, fmt.Errorf("kubeplay: persistent volume %s is not a hostPath or local volume: only those are simulated", pv.Name)
	}
	if err != nil {
		return nil, err
	}
	vol.readOnly = src.ReadOnly
	return vol, nil
}

// volumeAllowsNode checks a persistent volume's node affinity on the
// hostname label, the one local volumes carry.
func (k *Kubelet) volumeAllowsNode(pv *api.PersistentVolume) bool {
	na := pv.Spec.NodeAffinity
	if na == nil || na.Required == nil || len(na.Required.NodeSelectorTerms) == 0 {
		return true
	}
	for _, term := range na.Required.NodeSelectorTerms {
		ok := true
		for _, e := range term.MatchExpressions {
			if e.Key == "kubernetes.io/hostname" && e.Operator == "In" && !slices.Contains(e.Values, k.cfg.NodeName) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// fileMode is an item's mode, else the volume's default.
func fileMode(item, def *int32) fs.FileMode {
	if item != nil {
		return fs.FileMode(*item) & fs.ModePerm
	}
	if def != nil {
		return fs.FileMode(*def) & fs.ModePerm
	}
	return 0o644
}

// configMapFiles projects a ConfigMap's keys (or the items chosen) as
// files, as the configMap volume plugin does.
func (s *objectSource) configMapFiles(out map[string]volumeFile, name string, items []api.KeyToPath, optional *bool, def *int32) error {
	cm, err := s.configMap(name)
	if err != nil {
		if isNotFound(err) && api.Deref(optional, false) {
			return nil
		}
		return err
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return project(out, data, items, optional, def, "configmap references non-existent config key: %s")
}

// secretFiles projects a Secret's keys.
func (s *objectSource) secretFiles(out map[string]volumeFile, name string, items []api.KeyToPath, optional *bool, def *int32) error {
	sec, err := s.secret(name)
	if err != nil {
		if isNotFound(err) && api.Deref(optional, false) {
			return nil
		}
		return err
	}
	return project(out, sec.Data, items, optional, def, "references non-existent secret key: %s")
}

func project(out map[string]volumeFile, data map[string][]byte, items []api.KeyToPath, optional *bool, def *int32, missing string) error {
	if len(items) == 0 {
		for key, v := range data {
			out[key] = volumeFile{data: v, mode: fileMode(nil, def)}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if api.Deref(optional, false) {
				continue
			}
			return fmt.Errorf(missing, it.Key)
		}
		out[path.Clean(it.Path)] = volumeFile{data: v, mode: fileMode(it.Mode, def)}
	}
	return nil
}

// downwardFiles projects pod fields and container resources.
func (k *Kubelet) downwardFiles(out map[string]volumeFile, p *api.Pod, st *podState, items []api.DownwardAPIVolumeFile, def *int32) error {
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = k.podField(p, st, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			v, err = k.resourceField(p, api.Container{}, it.ResourceFieldRef)
		}
		if err != nil {
			return err
		}
		out[path.Clean(it.Path)] = volumeFile{data: []byte(v), mode: fileMode(it.Mode, def)}
	}
	return nil
}

// projectedFiles merges a projected volume's sources.
func (k *Kubelet) projectedFiles(p *api.Pod, st *podState, src *objectSource, name string, v *api.ProjectedVolumeSource) (map[string]volumeFile, error) {
	out := map[string]volumeFile{}
	for _, s := range v.Sources {
		var err error
		switch {
		case s.ConfigMap != nil:
			err = src.configMapFiles(out, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, v.DefaultMode)
		case s.Secret != nil:
			err = src.secretFiles(out, s.Secret.Name, s.Secret.Items, s.Secret.Optional, v.DefaultMode)
		case s.DownwardAPI != nil:
			err = k.downwardFiles(out, p, st, s.DownwardAPI.Items, v.DefaultMode)
		case s.ServiceAccountToken != nil:
			var token *boundToken
			token, err = k.serviceAccountToken(p, st, name, s.ServiceAccountToken)
			out[path.Clean(s.ServiceAccountToken.Path)] = volumeFile{token: token, mode: fileMode(nil, v.DefaultMode)}
		case s.ClusterTrustBundle != nil:
			err = errors.New("kubeplay: clusterTrustBundle projections are not simulated")
		case s.PodCertificate != nil:
			err = errors.New("kubeplay: podCertificate projections are not simulated")
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Bound service account tokens, as kube-apiserver issues them to the
// kubelet: the audience is the API server's, a token asked for 3607 s
// (the admission's) lasts a year with a warning after 3607 s, as
// --service-account-extend-token-expiration does; the kubelet gets a new
// one once 80% of its life has passed, or after 24 hours.
const (
	tokenIssuer    = "https://kubernetes.default.svc.cluster.local"
	extendedExpiry = 365 * 24 * time.Hour
	legacyTokenTTL = 3607
)

type issuedToken struct {
	token *boundToken
	at    time.Time
	ttl   time.Duration
}

// boundToken is a service account token whose claims are fixed when it is
// issued and whose signature is made when its bytes are first needed
// (the container reads its volume): ed25519's signature is deterministic,
// so the bytes are the same whenever they are made, and most pods' token
// is never read.
type boundToken struct {
	sign  func() (string, error)
	token []byte
}

func (t *boundToken) bytes() []byte {
	if t == nil {
		return nil // a fake node's: never read
	}
	if t.sign != nil {
		s, err := t.sign()
		if err != nil {
			panic("kubelet: signing a service account token: " + err.Error())
		}
		t.token, t.sign = []byte(s), nil
	}
	return t.token
}

// serviceAccountToken is the token of a projection, asked for as the
// kubelet asks the TokenRequest API; nil on a fake node, which checks the
// request without signing it.
func (k *Kubelet) serviceAccountToken(p *api.Pod, st *podState, vol string, proj *api.ServiceAccountTokenProjection) (*boundToken, error) {
	key := vol + "/" + proj.Path
	now := k.c.Now()
	if t, ok := st.tokens[key]; ok && now.Sub(t.at) < min(t.ttl*8/10, 24*time.Hour) {
		return t.token, nil
	}
	if k.cfg.ServiceAccountKey == nil {
		return nil, errors.New("kubeplay: this node cannot get service account tokens")
	}
	saName := p.Spec.ServiceAccountName
	if saName == "" {
		saName = "default"
	}
	sa, err := client.Get[*api.ServiceAccount](k.c, p.Namespace, saName)
	if err != nil {
		return nil, fmt.Errorf("failed to fetch token: serviceaccounts %q not found", saName)
	}
	if k.cfg.Fake {
		return nil, nil // no program reads it: the request is checked, not signed
	}
	requested := api.Deref(proj.ExpirationSeconds, 3600)
	ttl := time.Duration(requested) * time.Second
	// The claims as of now, signed when the token is first read.
	req := tokenRequest{
		namespace: p.Namespace, pod: p.Name, podUID: p.UID, sa: sa.Name, saUID: sa.UID,
		node: k.cfg.NodeName, nodeUID: k.nodeUID(), audience: proj.Audience,
		key: key, requested: requested, at: now,
	}
	signer := k.cfg.ServiceAccountKey
	token := &boundToken{sign: func() (string, error) { return req.sign(signer) }}
	if st.tokens == nil {
		st.tokens = map[string]issuedToken{}
	}
	st.tokens[key] = issuedToken{token: token, at: now, ttl: ttl}
	return token, nil
}

// tokenRequest is what a bound token says: the pod, its service account
// and node, the audience, and when it was asked for (at) for how long
// (requested, in seconds); key names the projection in the pod.
type tokenRequest struct {
	namespace, pod, podUID, sa, saUID, node, nodeUID, audience, key string
	requested                                                       int64
	at                                                              time.Time
}

// sign makes the token, v1.37's claims signed with the service account key.
func (r tokenRequest) sign(signer ed25519.PrivateKey) (string, error) {
	ttl := time.Duration(r.requested) * time.Second
	claims := map[string]any{}
	k8s := map[string]any{
		"namespace":      r.namespace,
		"pod":            map[string]string{"name": r.pod, "uid": r.podUID},
		"serviceaccount": map[string]string{"name": r.sa, "uid": r.saUID},
		"node":           map[string]string{"name": r.node, "uid": r.nodeUID},
	}
	exp := r.at.Add(ttl)
	if r.requested == legacyTokenTTL {
		exp = r.at.Add(extendedExpiry)
		k8s["warnafter"] = r.at.Add(ttl).Unix()
	}
	aud := []string{tokenIssuer}
	if r.audience != "" {
		aud = []string{r.audience}
	}
	sum := sha256.Sum256([]byte(r.podUID + "/" + r.key + "/" + r.at.String()))
	claims["aud"] = aud
	claims["exp"] = exp.Unix()
	claims["iat"] = r.at.Unix()
	claims["iss"] = tokenIssuer
	claims["jti"] = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	claims["kubernetes.io"] = k8s
	claims["nbf"] = r.at.Unix()
	claims["sub"] = "system:serviceaccount:" + r.namespace + ":" + r.sa
	return pki.SignJWT(signer, claims)
}

func (k *Kubelet) nodeUID() string {
	if k.node == nil {
		return ""
	}
	return k.node.UID
}

// The kubelet writes a configMap, secret, downwardAPI or projected volume
// as upstream's AtomicWriter (pkg/volume/util/atomic_writer.go) does: the
// files in a directory named for the time of writing
// (..2026_12_01_02_30_00.1234567890), a link ..data to it, and each
// top-level path a link into ..data (key -> ..data/key). An update writes
// a new directory, points a new link ..data_tmp at it and renames that
// over ..data (one atomic step: a reader sees the old files or the new
// ones, never a mix), then removes the old directory.
const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
)

// writeVolume makes a volume's tree hold exactly files; salt tells the
// volume's timestamped directories from those of other volumes written at
// the same time (MkdirTemp's random suffix upstream).
func writeVolume(fsys hackpadfs.FS, files map[string]volumeFile, now time.Time, salt string) error {
	oldTs, err := runtime.Readlink(fsys, dataDirName)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var toRemove []string
	if oldTs != "" {
		if toRemove, err = pathsToRemove(fsys, files, oldTs); err != nil {
			return err
		}
		if !payloadChanged(fsys, files, oldTs) && len(toRemove) == 0 {
			return nil
		}
	}
	h := fnv.New32a()
	h.Write([]byte(salt + "/" + now.String()))
	ts := now.UTC().Format("..2006_01_02_15_04_05.") + strconv.FormatUint(uint64(h.Sum32()), 10)
	if err := runtime.MkdirAt(fsys, ts, now); err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		f, full := files[p], path.Join(ts, p)
		if err := runtime.MkdirAt(fsys, path.Dir(full), now); err != nil {
			return err
		}
		if err := hackpadfs.WriteFullFile(fsys, full, f.contents(), f.mode); err != nil {
			return err
		}
		if err := hackpadfs.Chmod(fsys, full, f.mode); err != nil {
			return err
		}
		if err := hackpadfs.Chtimes(fsys, full, now, now); err != nil {
			return err
		}
	}
	if err := runtime.Symlink(fsys, ts, newDataDirName, now); err != nil {
		return err
	}
	if err := hackpadfs.Rename(fsys, newDataDirName, dataDirName); err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		top, _, _ := strings.Cut(p, "/")
		if _, err := runtime.Readlink(fsys, top); errors.Is(err, fs.ErrNotExist) {
			if err := runtime.Symlink(fsys, path.Join(dataDirName, top), top, now); err != nil {
				return err
			}
		}
	}
	for _, p := range toRemove {
		if !strings.Contains(p, "/") {
			if err := hackpadfs.Remove(fsys, p); err != nil {
				return err
			}
		}
	}
	if oldTs != "" {
		return hackpadfs.RemoveAll(fsys, oldTs)
	}
	return nil
}

// pathsToRemove are the paths of the old directory that the new files do
// not have, sorted.
func pathsToRemove(fsys hackpadfs.FS, files map[string]volumeFile, oldTs string) ([]string, error) {
	keep := map[string]bool{}
	for p := range files {
		for ; p != "."; p = path.Dir(p) {
			keep[p] = true
		}
	}
	var out []string
	err := hackpadfs.WalkDir(fsys, oldTs, func(p string, _ fs.DirEntry, err error) error {
		if rel := strings.TrimPrefix(strings.TrimPrefix(p, oldTs), "/"); err == nil && rel != "" && !keep[rel] {
			out = append(out, rel)
		}
		return err
	})
	return out, err
}

// payloadChanged reports whether a file is new or differs from the old
// directory's.
func payloadChanged(fsys hackpadfs.FS, files map[string]volumeFile, oldTs string) bool {
	for p, f := range files {
		if old, err := hackpadfs.ReadFile(fsys, path.Join(oldTs, p)); err != nil || !bytes.Equal(old, f.contents()) {
			return true
		}
	}
	return false
}

// snapshotSubPath is what a subPath of a volume the kubelet writes shows
// a container: the file or directory the subPath resolves to (through
// key -> ..data/key) when the container starts, copied, as the bind mount
// upstream holds on to the file it found. So, as upstream, a subPath does
// not follow the object's updates; a restarted container sees the new
// files.
func snapshotSubPath(fsys hackpadfs.FS, sub string) (hackpadfs.FS, string, error) {
	real, err := runtime.EvalLinks(fsys, sub)
	if err != nil {
		return nil, "", err
	}
	fi, err := hackpadfs.Stat(fsys, real)
	if err != nil {
		return nil, "", err
	}
	snap, err := newTree(fi.ModTime())
	if err != nil {
		return nil, "", err
	}
	err = hackpadfs.WalkDir(fsys, real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return runtime.MkdirAt(snap, p, fi.ModTime())
		}
		if err := runtime.MkdirAt(snap, path.Dir(p), fi.ModTime()); err != nil {
			return err
		}
		b, err := hackpadfs.ReadFile(fsys, p)
		if err == nil {
			err = hackpadfs.WriteFullFile(snap, p, b, fi.Mode().Perm())
		}
		if err == nil {
			err = hackpadfs.Chmod(snap, p, fi.Mode().Perm())
		}
		if err == nil {
			err = hackpadfs.Chtimes(snap, p, fi.ModTime(), fi.ModTime())
		}
		return err
	})
	return snap, real, err
}

// evictionInterval is how often the eviction manager looks at the pods'
// emptyDir usage (its monitoring interval).
const evictionInterval = 10 * time.Second

func hasSizeLimit(p *api.Pod) bool {
	return slices.ContainsFunc(p.Spec.Volumes, func(v api.Volume) bool {
		return v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil && !v.EmptyDir.SizeLimit.IsZero()
	})
}

// emptyDirOverLimit is the eviction manager's emptyDir check: the message
// of the pod's eviction when an emptyDir holds more than its sizeLimit.
func (k *Kubelet) emptyDirOverLimit(p *api.Pod, st *podState) string {
	for _, v := range p.Spec.Volumes {
		vol := st.volumes[v.Name]
		if v.EmptyDir == nil || v.EmptyDir.SizeLimit == nil || v.EmptyDir.SizeLimit.IsZero() || vol == nil || vol.fs == nil {
			continue
		}
		if treeSize(vol.fs) > v.EmptyDir.SizeLimit.Value() {
			return fmt.Sprintf("Usage of EmptyDir volume %q exceeds the limit %q. ", v.Name, v.EmptyDir.SizeLimit.String())
		}
	}
	return ""
}

// treeSize is the bytes the files of a tree hold.
func treeSize(fsys hackpadfs.FS) int64 {
	var n int64
	_ = hackpadfs.WalkDir(fsys, ".", func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// newTree is a memory file system whose root has the time given and
// mode 0777, as the kubelet makes an emptyDir's directory (and the
// emptyDir under a configMap, secret, downwardAPI or projected volume).
func newTree(now time.Time) (*mem.FS, error) {
	fsys, err := mem.NewFS()
	if err != nil {
		return nil, err
	}
	if err := hackpadfs.Chmod(fsys, ".", fs.ModeDir|0o777); err != nil {
		return nil, err
	}
	return fsys, hackpadfs.Chtimes(fsys, ".", now, now)
}

// containerMounts are a container's volume mounts as the runtime takes
// them; vars expand subPathExpr.
func containerMounts(c api.Container, st *podState, vars map[string]string) ([]runtime.Mount, error) {
	var out []runtime.Mount
	for _, m := range c.VolumeMounts {
		vol, ok := st.volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("cannot find volume %q to mount into container %q", m.Name, c.Name)
		}
		sub := m.SubPath
		if m.SubPathExpr != "" {
			sub = expandAll([]string{m.SubPathExpr}, vars)[0]
		}
		if sub != "" && (path.IsAbs(sub) || slices.Contains(strings.Split(sub, "/"), "..")) {
			return nil, fmt.Errorf("subPath %q must be a relative path without ..", sub)
		}
		src, subPath := vol.fs, path.Join(vol.dir, sub)
		if vol.files != nil && sub != "" && vol.fs != nil {
			var err error
			if src, subPath, err = snapshotSubPath(vol.fs, subPath); err != nil {
				return nil, err
			}
		}
		out = append(out, runtime.Mount{
			ContainerPath: m.MountPath,
			Source:        src,
			SubPath:       subPath,
			ReadOnly:      m.ReadOnly || vol.readOnly,
			Memory:        vol.memory,
		})
	}
	return out, nil
}
