package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Persistence keeps a store in a directory of a hackpadfs file system (in
// memory for tests, an OS directory natively, IndexedDB in the browser):
//
//	DIR/snapshot.json   the whole store at one revision: its manifest
//	DIR/snapshot.prev   the snapshot before, kept until the next one is safe
//	DIR/snap/REV-G-N.part  the snapshots' records, in parts of about 4 MiB
//	DIR/wal/REV.log     the changes after the snapshot, one file per flush
//
// Every change is a line "crc32 length json" (eight hex digits, then ten
// decimal ones; a reader takes any number). On opening, a record that
// is torn (a crash during a write) or corrupt ends the replay of its file
// and is reported; everything before it is kept, and nothing flushed
// before it is lost. Writing a file per flush, never appending, suits
// key-value file systems where a file is one value.
//
// A snapshot's manifest is a header line with the checksum of the rest,
// then the revision, the time and its parts, each with its size and
// CRC-32; a part is one record per line. Parts keep what a snapshot
// holds in memory at once to a part's size: written as one file, a
// snapshot of 10,000 pods (over 100 MB) was built, copied into the file
// system's blob and handed to IndexedDB whole, several times its size in
// the engine's memory at once, which in the browser never shrinks.

// Format is the version of the on-disk layout: 2 since snapshots are
// written in parts. This build also reads format 1's one-file snapshots.
const Format = 2

// snapshotPartSize is the size a snapshot part grows to before the next
// one starts (a single larger record makes a larger part).
var snapshotPartSize = 4 << 20 // a variable for the tests

// snapshotStep is about how many bytes of a snapshot's records a flush
// writes (a part fills over several flushes): encoding a part's 4 MiB at
// once held a flush, and so a typed command's answer, 45 to 200 ms in
// V8 at 10,000 pods.
var snapshotStep = 1 << 20 // a variable for the tests

// snapshotEvery is how many changes the log collects before a snapshot;
// a snapshot also waits until the log holds at least as many bytes as the
// last snapshot did, so that a large store is not written whole every
// few thousand changes: the bytes written stay proportional to the
// changes (at most twice the log), and a restore reads at most about
// twice the store.
const snapshotEvery = 2000

// maxPending is how many bytes of changes wait for a flush: past it they
// are written at once, so that a burst of changes between two flushes (a
// Deployment of 10,000 pods coming up in one step) does not hold its
// whole log in memory. What is written is still a prefix of the store's
// revisions, so a restore from it is a state the store was in.
const maxPending = 16 << 20

// Persister writes a store's changes to its directory.
type Persister struct {
	fs          hackpadfs.FS
	dir         string
	s           *Store
	now         func() time.Time
	pending     int           // records waiting for the next flush, in buf
	buf         []byte        // their lines
	first       int64         // revision of the first pending record
	logged      int           // records since the last snapshot
	logSize     int           // bytes of the log since the last snapshot
	snapSize    int           // bytes of the last snapshot
	pendingSize int           // bytes of buf
	err         error         // the first write error, reported by Flush
	work        *snapshotWork // a snapshot being written, a part at each flush
}

// Report says what opening a directory found.
type Report struct {
	Restored bool      // an earlier store was found
	Revision int64     // the revision it was restored to
	Time     time.Time // the virtual time of its last change
	Dropped  []string  // what could not be read, in words
	SetAside string    // where an unreadable store, or its damaged files, were moved

	damaged  []string // files of dir that could not be used, moved at the end of load
	snapSize int      // bytes of the snapshot restored, its parts included
}

// A record with revision 0 changes nothing: it notes the virtual time at a
// flush, so a restored cluster's clock carries on from there.
type record struct {
	Rev       int64           `json:"rev"`
	Time      time.Time       `json:"time"`
	Delete    bool            `json:"delete,omitempty"`
	Key       string          `json:"key"`
	CreateRev int64           `json:"createRev,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
}

type snapshot struct {
	Format    int       `json:"format"`
	Revision  int64     `json:"revision"`
	Compacted int64     `json:"compacted"`
	Time      time.Time `json:"time"`
	Entries   []record  `json:"entries"`

	size int // bytes on disk, parts included
}

// manifest is a format 2 snapshot's: its records are in its parts.
type manifest struct {
	Revision  int64          `json:"revision"`
	Compacted int64          `json:"compacted"`
	Time      time.Time      `json:"time"`
	Parts     []manifestPart `json:"parts"`
}

type manifestPart struct {
	Name  string `json:"name"` // relative to the store's directory
	Size  int    `json:"size"`
	CRC32 uint32 `json:"crc32"` // IEEE, as the log's records: SHA-256 of every part took 3% of a scale-up in the browser
}

// snapshotHeader is the first line of snapshot.json in either format.
type snapshotHeader struct {
	Format int    `json:"format"`
	SHA256 string `json:"sha256"`
}

// Open restores the store kept in dir (creating dir if needed) and returns
// it with a persister that records its changes from now on. now gives the
// virtual time to stamp changes with.
func Open(fsys hackpadfs.FS, dir string, now func() time.Time) (*Store, *Persister, Report, error) {
	s, rep, err := load(fsys, dir)
	if err != nil {
		return nil, nil, rep, err
	}
	p := &Persister{fs: fsys, dir: dir, s: s, now: now, snapSize: rep.snapSize}
	if _, err := s.Watch("", s.Revision(), p.record); err != nil {
		return nil, nil, rep, err
	}
	if len(rep.damaged) > 0 {
		// What was restored from the files set aside lives only in memory:
		// a snapshot makes it durable again and starts a clean log.
		if err := p.snapshotAt(rep.Time); err != nil {
			return nil, nil, rep, err
		}
	}
	return s, p, rep, nil
}

// load reads dir. A store that cannot be read at all (another format, a
// layout it does not know, nothing restorable from what is there) is set
// aside whole; damaged files of one it can read are moved into a
// directory of their own, after the last good revision is restored.
func load(fsys hackpadfs.FS, dir string) (*Store, Report, error) {
	if err := hackpadfs.MkdirAll(fsys, dir, 0o755); err != nil {
		return nil, Report{}, fmt.Errorf("store: %w", err)
	}
	if err := hackpadfs.MkdirAll(fsys, path.Join(dir, "wal"), 0o755); err != nil {
		return setAside(fsys, dir, err)
	}
	var rep Report
	snap, err := readSnapshot(fsys, dir, &rep)
	if errors.Is(err, errFormat) {
		return setAside(fsys, dir, err)
	}
	s := New()
	lz := &lazyValues{keys: map[string]*lazyKey{}}
	if snap != nil {
		rep.Restored = true
		s.restore(snap, lz)
		rep.Time = snap.Time
	}
	err = replayLog(fsys, dir, s, lz, &rep)
	lz.decode(s, &rep)
	if err != nil {
		return setAside(fsys, dir, err)
	}
	rep.Revision = s.Revision()
	if len(rep.damaged) == 0 {
		return s, rep, nil
	}
	if !rep.Restored {
		return setAside(fsys, dir, errors.New(strings.Join(rep.Dropped, "; ")))
	}
	if err := moveDamaged(fsys, dir, &rep); err != nil {
		return setAside(fsys, dir, err)
	}
	return s, rep, nil
}

var errFormat = errors.New("store written by another version of kubeplay")

// setAside moves an unreadable directory's files into a directory of
// their own and starts afresh, so a cluster from another build never
// breaks the page and nothing is deleted. The files move one by one
// rather than the directory whole, because in the browser the cluster's
// directory is the root of its database.
func setAside(fsys hackpadfs.FS, dir string, cause error) (*Store, Report, error) {
	prefix := dir + ".old-"
	if dir == "." {
		prefix = "set-aside-"
	}
	dest, err := freeName(fsys, prefix)
	if err != nil {
		return nil, Report{}, err
	}
	if err := moveChildren(fsys, dir, dest, path.Base(prefix)); err != nil {
		return nil, Report{}, fmt.Errorf("store: cannot set aside %s: %w", dir, err)
	}
	if err := hackpadfs.MkdirAll(fsys, path.Join(dir, "wal"), 0o755); err != nil {
		return nil, Report{}, fmt.Errorf("store: %w", err)
	}
	return New(), Report{SetAside: dest, Dropped: []string{fmt.Sprintf("the stored cluster could not be read (%v); it was moved to %s", cause, dest)}}, nil
}

// moveChildren moves what dir holds into dest, except earlier sets aside.
func moveChildren(fsys hackpadfs.FS, dir, dest, skip string) error {
	entries, err := hackpadfs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	if err := hackpadfs.MkdirAll(fsys, dest, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), skip) {
			continue
		}
		if err := hackpadfs.Rename(fsys, path.Join(dir, e.Name()), path.Join(dest, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// freeName returns prefix followed by the first number not yet taken.
func freeName(fsys hackpadfs.FS, prefix string) (string, error) {
	for i := 1; i < 10000; i++ {
		name := fmt.Sprintf("%s%d", prefix, i)
		if _, err := hackpadfs.Stat(fsys, name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("store: no free name for %sN", prefix)
}

// moveDamaged moves the files load could not use into DIR/damaged-N, so
// that a later start neither reads them again nor mistakes them for its
// own log, and nothing is deleted.
func moveDamaged(fsys hackpadfs.FS, dir string, rep *Report) error {
	dest, err := freeName(fsys, path.Join(dir, "damaged-"))
	if err != nil {
		return err
	}
	if err := hackpadfs.MkdirAll(fsys, dest, 0o755); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, name := range rep.damaged {
		if err := hackpadfs.Rename(fsys, path.Join(dir, name), path.Join(dest, path.Base(name))); err != nil {
			return fmt.Errorf("store: cannot set aside %s: %w", name, err)
		}
	}
	rep.SetAside = dest
	rep.Dropped = append(rep.Dropped, fmt.Sprintf("the cluster resumes from revision %d, the last one that could be read; what could not be read (%s) was moved to %s", rep.Revision, strings.Join(rep.damaged, ", "), dest))
	return nil
}

// readSnapshot reads snapshot.json, or snapshot.prev if that is damaged.
func readSnapshot(fsys hackpadfs.FS, dir string, rep *Report) (*snapshot, error) {
	for _, name := range []string{"snapshot.json", "snapshot.prev"} {
		snap, err := readSnapshotFile(fsys, dir, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if errors.Is(err, errFormat) {
			return nil, err
		}
		if err != nil {
			rep.damage(name, fmt.Sprintf("%s is damaged (%v) and was ignored", name, err))
			// Its parts go with it (those that exist).
			for _, part := range snapshotParts(fsys, dir, name) {
				if _, err := hackpadfs.Stat(fsys, path.Join(dir, part)); err == nil {
					rep.damaged = append(rep.damaged, part)
				}
			}
			continue
		}
		rep.snapSize = snap.size
		return snap, nil
	}
	return nil, nil
}

// damage notes a file that load could not use, and why.
func (rep *Report) damage(name, why string) {
	rep.damaged = append(rep.damaged, name)
	rep.Dropped = append(rep.Dropped, why)
}

// readSnapshotFile reads a snapshot: a header line with the checksum of
// what follows, then (format 1) the whole store, or (format 2) its
// manifest, whose parts are read and checked one by one.
func readSnapshotFile(fsys hackpadfs.FS, dir, name string) (*snapshot, error) {
	data, err := hackpadfs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return nil, err
	}
	h, body, err := readHeader(data)
	if err != nil {
		return nil, err
	}
	if h.Format != 1 && h.Format != Format {
		return nil, fmt.Errorf("%w (format %d, this build reads 1 and %d)", errFormat, h.Format, Format)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, errors.New("checksum mismatch")
	}
	var snap snapshot
	if h.Format == 1 {
		if err := json.Unmarshal(body, &snap); err != nil {
			return nil, err
		}
		snap.size = len(data)
		return &snap, nil
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	snap = snapshot{Format: h.Format, Revision: m.Revision, Compacted: m.Compacted, Time: m.Time, size: len(data)}
	for _, part := range m.Parts {
		if err := readPart(fsys, dir, part, &snap); err != nil {
			return nil, err
		}
		snap.size += part.Size
	}
	return &snap, nil
}

func readHeader(data []byte) (h snapshotHeader, body []byte, err error) {
	header, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return h, nil, errors.New("no header")
	}
	if err := json.Unmarshal(header, &h); err != nil {
		return h, nil, fmt.Errorf("bad header: %w", err)
	}
	return h, body, nil
}

// readPart adds a snapshot part's records to snap, once its size and
// checksum are those its manifest gives.
func readPart(fsys hackpadfs.FS, dir string, part manifestPart, snap *snapshot) error {
	if !validPartName(part.Name) {
		return fmt.Errorf("part %q is not a part's name", part.Name)
	}
	data, err := hackpadfs.ReadFile(fsys, path.Join(dir, part.Name))
	if err != nil {
		// Not wrapped: a missing part damages the snapshot, which is not
		// a snapshot missing.
		return fmt.Errorf("part %s: %v", part.Name, err)
	}
	if len(data) != part.Size || crc32.ChecksumIEEE(data) != part.CRC32 {
		return fmt.Errorf("part %s: checksum mismatch", part.Name)
	}
	for n := 1; len(data) > 0; n++ {
		line, rest, ok := bytes.Cut(data, []byte("\n"))
		if !ok {
			return fmt.Errorf("part %s: record %d has no end", part.Name, n)
		}
		data = rest
		r, ok := readRecord(line) // its value is cloned: the part's bytes can go
		if !ok {
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("part %s: record %d: %w", part.Name, n, err)
			}
		}
		snap.Entries = append(snap.Entries, r)
	}
	return nil
}

// validPartName keeps a manifest's part names inside the directory's snap/.
func validPartName(name string) bool {
	base, ok := strings.CutPrefix(name, "snap/")
	return ok && base != "" && !strings.ContainsAny(base, "/\\") && base != "." && base != ".." && strings.HasSuffix(base, ".part")
}

// snapshotParts lists the parts the manifest in dir/name names; none when
// it cannot be read or is of format 1.
func snapshotParts(fsys hackpadfs.FS, dir, name string) []string {
	data, err := hackpadfs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return nil
	}
	parts, _ := manifestParts(data)
	return parts
}

// manifestParts lists the parts a snapshot file names (none for format 1),
// or says why it cannot tell.
func manifestParts(data []byte) ([]string, error) {
	h, body, err := readHeader(data)
	if err != nil {
		return nil, err
	}
	switch h.Format {
	case 1:
		return nil, nil
	case Format:
	default:
		return nil, errFormat
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	var out []string
	for _, part := range m.Parts {
		if validPartName(part.Name) {
			out = append(out, part.Name)
		}
	}
	return out, nil
}

// restore takes a snapshot's keys and revisions; their values are
// decoded with the log's (lazyValues), once the log has been replayed: a
// value the log replaced since is not decoded at all.
func (s *Store) restore(snap *snapshot, lz *lazyValues) {
	for _, r := range snap.Entries {
		lz.set(s, r, "", 0)
	}
	s.rev, s.compacted = snap.Revision, snap.Compacted
}

// decodeObject turns a stored object back into its Go type.
func decodeObject(data []byte) (api.Object, error) {
	apiVersion, kind, ok := typeOf(data)
	if !ok {
		tm, err := api.TypeOf(data)
		if err != nil {
			return nil, err
		}
		apiVersion, kind = tm.APIVersion, tm.Kind
	}
	r, err := api.LookupKind(apiVersion, kind)
	if err != nil {
		return nil, err
	}
	obj := r.New()
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// typeOf reads an object's kind and apiVersion where the encoder writes
// them, first, and unescaped; ok is false for anything else, which
// api.TypeOf reads. api.TypeOf is json.Unmarshal, which goes through the
// whole object (twice: it checks it first) for its first two fields: a
// third of decoding the store's values.
func typeOf(data []byte) (apiVersion, kind string, ok bool) {
	str := func(name string) (string, bool) {
		if !bytes.HasPrefix(data, []byte(name)) {
			return "", false
		}
		data = data[len(name):]
		end := bytes.IndexByte(data, '"')
		if end <= 0 || bytes.IndexByte(data[:end], '\\') >= 0 {
			return "", false
		}
		v := string(data[:end])
		data = data[end+1:]
		return v, true
	}
	if kind, ok = str(`{"kind":"`); !ok {
		return "", "", false
	}
	if apiVersion, ok = str(`,"apiVersion":"`); !ok {
		return "", "", false
	}
	return apiVersion, kind, true
}

// replayLog applies the log files after the snapshot's revision, in
// order, and stops at the first record it cannot use: a damaged or torn
// one, or one that is not the next revision (a file lost between two
// writes). Replaying past it would build a state that never was, so that
// file and the ones after it are noted as damaged.
func replayLog(fsys hackpadfs.FS, dir string, s *Store, lz *lazyValues, rep *Report) error {
	entries, err := hackpadfs.ReadDir(fsys, path.Join(dir, "wal"))
	if err != nil {
		return fmt.Errorf("its log cannot be listed: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".log") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for i, name := range names {
		data, err := hackpadfs.ReadFile(fsys, path.Join(dir, "wal", name))
		why := ""
		if err != nil {
			why = fmt.Sprintf("log file %s could not be read (%v)", name, err)
		} else {
			why = replayFile(s, lz, name, data, rep)
		}
		if why != "" {
			for _, rest := range names[i:] {
				rep.damaged = append(rep.damaged, path.Join("wal", rest))
			}
			rep.Dropped = append(rep.Dropped, why+"; the replay stopped there")
			return nil
		}
	}
	return nil
}

// lazyValues holds the values the snapshot and the log's replay set,
// decoded once the replay is over: a key the log changed many times (a
// lease, a pod's status) is decoded once, not at every change, and a
// snapshot's value the log changed since not at all (at 10,000 pods
// decoding every value the snapshot held was a third of a reopening). A
// value that cannot be decoded leaves the key at its last value that
// can, as replaying it in order did; one superseded by a later value is
// not decoded at all.
type lazyValues struct {
	keys  map[string]*lazyKey
	order []string // keys in the order of their first change, the snapshot's first
}

type lazyKey struct {
	changes []lazyChange // since the key's last deletion, in order (the snapshot's value first)
}

type lazyChange struct {
	r    record
	file string
	n    int // the record's number in its file ("" and 0: the snapshot's)
}

// set notes a change to key; del its deletion.
func (lz *lazyValues) set(s *Store, r record, file string, n int) {
	k := lz.keys[r.Key]
	if k == nil {
		k = &lazyKey{}
		lz.keys[r.Key] = k
		lz.order = append(lz.order, r.Key)
	}
	k.changes = append(k.changes, lazyChange{r, file, n})
	if _, ok := s.data[r.Key]; !ok {
		s.insertKey(r.Key)
	}
	s.data[r.Key] = &KV{Key: r.Key, CreateRevision: r.CreateRev, ModRevision: r.Rev} // its value comes in decode
	s.rev = r.Rev
}

func (lz *lazyValues) del(key string) {
	if k := lz.keys[key]; k != nil {
		k.changes = nil
	}
}

// decode gives each key the last of its values that decodes.
func (lz *lazyValues) decode(s *Store, rep *Report) {
	for _, key := range lz.order {
		k := lz.keys[key]
		if len(k.changes) == 0 {
			continue // deleted since
		}
		var dropped []string
		var kv *KV
		for i := len(k.changes) - 1; i >= 0; i-- {
			c := k.changes[i]
			obj, err := decodeObject(c.r.Value)
			if err != nil {
				if c.file == "" { // the snapshot's
					dropped = append(dropped, fmt.Sprintf("%s: %v", key, err))
				} else {
					dropped = append(dropped, fmt.Sprintf("log file %s: record %d (%s): %v", c.file, c.n, key, err))
				}
				continue
			}
			kv = &KV{Key: key, Value: obj, CreateRevision: c.r.CreateRev, ModRevision: c.r.Rev}
			break
		}
		slices.Reverse(dropped)
		rep.Dropped = append(rep.Dropped, dropped...)
		if kv == nil {
			delete(s.data, key)
			s.removeKey(key)
			continue
		}
		s.data[key] = kv
	}
}

// replayFile applies one log file, and says why it stopped early.
func replayFile(s *Store, lz *lazyValues, name string, data []byte, rep *Report) string {
	if len(data) == 0 {
		return fmt.Sprintf("log file %s is empty (a write that did not finish)", name)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		r, err := parseRecord(sc.Bytes())
		if err == nil && r.Rev > s.rev+1 {
			err = fmt.Errorf("revision %d follows %d: the changes between are missing", r.Rev, s.rev)
		}
		if err != nil {
			return fmt.Sprintf("log file %s: record %d is damaged (%v)", name, n, err)
		}
		if r.Rev == 0 {
			if r.Time.After(rep.Time) {
				rep.Time = r.Time
			}
			continue
		}
		if r.Rev <= s.rev {
			continue // already in the snapshot
		}
		if r.Delete {
			_ = s.apply(r)
			lz.del(r.Key)
		} else {
			lz.set(s, r, name, n)
		}
		rep.Restored = true
		if r.Time.After(rep.Time) {
			rep.Time = r.Time
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Sprintf("log file %s: record %d is damaged (%v)", name, n+1, err)
	}
	return ""
}

func parseRecord(line []byte) (record, error) {
	var r record
	sum, body, ok := cutLine(line)
	if !ok {
		return r, errors.New("torn record")
	}
	if sum != crc32.ChecksumIEEE(body) {
		return r, errors.New("checksum mismatch")
	}
	if r, ok := readRecord(body); ok {
		return r, nil
	}
	return r, json.Unmarshal(body, &r)
}

// cutLine splits a log line (without its newline) into the checksum its
// head gives and the record, whose length the head gives too.
func cutLine(line []byte) (sum uint32, body []byte, ok bool) {
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		return 0, nil, false
	}
	j := bytes.IndexByte(line[i+1:], ' ')
	if j < 0 {
		return 0, nil, false
	}
	j += i + 1
	sum64, err1 := strconv.ParseUint(string(line[:i]), 16, 32)
	n, err2 := strconv.Atoi(string(line[i+1 : j]))
	if err1 != nil || err2 != nil || n != len(line)-j-1 {
		return 0, nil, false
	}
	return uint32(sum64), line[j+1:], true
}

// readRecord reads a record in the form appendRecord writes, without
// scanning its value (the checksum has vouched for the bytes, and the
// value is decoded later, if it is still the key's last); ok is false for
// anything else, which json.Unmarshal then reads.
func readRecord(b []byte) (r record, ok bool) {
	field := func(name string) bool {
		if !bytes.HasPrefix(b, []byte(name)) {
			return false
		}
		b = b[len(name):]
		return true
	}
	number := func() (int64, bool) {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		v, err := strconv.ParseInt(string(b[:i]), 10, 64)
		b = b[i:]
		return v, err == nil
	}
	var err error
	if !field(`{"rev":`) {
		return r, false
	}
	if r.Rev, ok = number(); !ok || !field(`,"time":"`) {
		return r, false
	}
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return r, false
	}
	if r.Time, err = time.Parse(time.RFC3339Nano, string(b[:end])); err != nil {
		return r, false
	}
	b = b[end+1:]
	r.Delete = field(`,"delete":true`)
	if !field(`,"key":"`) {
		return r, false
	}
	end = bytes.IndexByte(b, '"')
	if end < 0 || bytes.IndexByte(b[:end], '\\') >= 0 {
		return r, false // an escaped key: json.Unmarshal reads it
	}
	r.Key = string(b[:end])
	b = b[end+1:]
	if field(`,"createRev":`) {
		if r.CreateRev, ok = number(); !ok {
			return r, false
		}
	}
	if field(`,"value":`) {
		if len(b) < 2 || b[len(b)-1] != '}' {
			return r, false
		}
		r.Value = bytes.Clone(b[:len(b)-1]) // b is the scanner's, which it reuses
		return r, true
	}
	return r, string(b) == "}"
}

// apply replays one change at its recorded revision.
func (s *Store) apply(r record) error {
	if r.Delete {
		if _, ok := s.data[r.Key]; ok {
			delete(s.data, r.Key)
			s.removeKey(r.Key)
		}
		s.rev = r.Rev
		return nil
	}
	obj, err := decodeObject(r.Value)
	if err != nil {
		s.rev = r.Rev
		return err
	}
	if _, ok := s.data[r.Key]; !ok {
		s.insertKey(r.Key)
	}
	s.data[r.Key] = &KV{Key: r.Key, Value: obj, CreateRevision: r.CreateRev, ModRevision: r.Rev}
	s.rev = r.Rev
	return nil
}

func (p *Persister) record(ev Event) {
	r := record{Rev: ev.Revision, Time: p.now().UTC(), Key: ev.KV.Key, Delete: ev.Type == Delete}
	if p.pending == 0 {
		p.first = ev.Revision
	}
	n := len(p.buf)
	p.buf = append(p.buf, lineHead[:]...)
	if r.Delete {
		p.buf = appendRecord(p.buf, r)
	} else {
		r.CreateRev = ev.KV.CreateRevision
		var err error
		if p.buf, err = appendRecordWith(p.buf, r, ev.KV.Value); err != nil {
			p.buf = p.buf[:n]
			p.fail(err)
			return
		}
	}
	p.endLine(n, r.Rev)
}

func (p *Persister) append(r record) {
	n := len(p.buf)
	p.buf = appendRecord(append(p.buf, lineHead[:]...), r)
	p.endLine(n, r.Rev)
}

// A log record's line is "crc32 length json": the checksum in eight hex
// digits and the length in ten decimal ones (the reader takes any number
// of digits), so that the record is encoded in place after a head of a
// known size and no copy of it is made to put the head before it.
const lineHeadSize = 8 + 1 + 10 + 1

var lineHead = [lineHeadSize]byte{8: ' ', 19: ' '}

// endLine fills in the head of the line that starts at p.buf[n] (the
// record after its head), ends it, and counts it among those waiting for
// the next flush.
func (p *Persister) endLine(n int, rev int64) {
	head, body := p.buf[n:n+lineHeadSize], p.buf[n+lineHeadSize:]
	putHex(head[:8], crc32.ChecksumIEEE(body))
	putDecimal(head[9:19], len(body))
	p.buf = append(p.buf, '\n')
	p.pending++
	p.pendingSize += len(p.buf) - n
	if p.pendingSize >= maxPending && rev != 0 {
		if err := p.write(); err != nil {
			p.fail(err)
		}
	}
}

// putHex writes v in len(b) hex digits, zero-padded.
func putHex(b []byte, v uint32) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[v&0xf]
		v >>= 4
	}
}

// putDecimal writes v in len(b) decimal digits, zero-padded.
func putDecimal(b []byte, v int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
}

// appendRecord appends r's JSON, byte for byte what json.Marshal makes of
// it, without the second pass json.Marshal gives a json.RawMessage (which
// validates and compacts the value again: a quarter of the cost of a
// change at scale). r.Value must be json.Marshal's output.
func appendRecord(b []byte, r record) []byte {
	b = appendRecordHead(b, r, len(r.Value) > 0)
	if len(r.Value) > 0 {
		b = append(b, r.Value...)
	}
	return append(b, '}')
}

// appendRecordWith is appendRecord with value as r.Value, encoded in
// place (api.Marshal's bytes, which are json.Marshal's).
func appendRecordWith(b []byte, r record, value any) ([]byte, error) {
	b = appendRecordHead(b, r, true)
	b, err := api.AppendJSON(b, value)
	return append(b, '}'), err
}

// appendRecordHead is a record's JSON up to its value (or its end, less
// the closing brace, without one).
func appendRecordHead(b []byte, r record, value bool) []byte {
	b = append(b, `{"rev":`...)
	b = strconv.AppendInt(b, r.Rev, 10)
	b = append(b, `,"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if r.Delete {
		b = append(b, `,"delete":true`...)
	}
	b = append(b, `,"key":`...)
	b = appendKey(b, r.Key)
	if r.CreateRev != 0 {
		b = append(b, `,"createRev":`...)
		b = strconv.AppendInt(b, r.CreateRev, 10)
	}
	if value {
		b = append(b, `,"value":`...)
	}
	return b
}

// appendKey appends a key as a JSON string, as json.Marshal writes it:
// as it is when it has nothing to escape (a store's keys never have),
// through the encoder otherwise.
func appendKey(b []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ = api.AppendJSON(b, key) // a string always encodes
			return b
		}
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"')
}

func (p *Persister) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// Flush writes the changes recorded since the last flush, as one new log
// file, and takes a snapshot when the log has grown long.
func (p *Persister) Flush() error {
	if p.err != nil {
		return p.err
	}
	if p.pending == 0 {
		return nil
	}
	return p.write()
}

// write writes the pending records, and the time, as one log file.
func (p *Persister) write() error {
	p.append(record{Time: p.now().UTC()})
	name := path.Join(p.dir, "wal", fmt.Sprintf("%016d.log", p.first))
	if err := hackpadfs.WriteFullFile(p.fs, name, p.buf, 0o644); err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	p.logged += p.pending
	p.logSize += p.pendingSize
	p.pending, p.pendingSize = 0, 0
	p.buf = p.buf[:0]
	if p.work == nil && p.logged >= snapshotEvery && p.logSize >= p.snapSize {
		p.startSnapshot(p.now())
	}
	if p.work != nil {
		return p.continueSnapshot(false)
	}
	return nil
}

// Close flushes, and notes the time even when nothing changed since the
// last flush, so the next start resumes the clock exactly.
func (p *Persister) Close() error { return p.Mark() }

// Mark flushes and notes the time even when the store did not change:
// for a change kept beside the store (the machines, the images), so that
// the time a restored cluster resumes from is that of its last change.
func (p *Persister) Mark() error {
	if p.err != nil {
		return p.err
	}
	if p.pending == 0 {
		p.first = p.s.rev + 1 // a later flush replaces this file
	}
	return p.write()
}

// Snapshot writes the whole store and drops the log it replaces, at once
// (a snapshot under way is given up).
func (p *Persister) Snapshot() error { return p.snapshotAt(p.now()) }

func (p *Persister) snapshotAt(now time.Time) error {
	p.startSnapshot(now)
	// What was pending is in the snapshot.
	p.pending, p.pendingSize = 0, 0
	p.buf = p.buf[:0]
	return p.continueSnapshot(true)
}

// snapshotWork is a snapshot being written, a step at each flush: the
// store as it was at its revision (values are never changed in place, so
// holding them is enough), in key order, and the parts written so far.
// A flush that took the whole snapshot at once stalled the cluster and
// the terminal for seconds at 10,000 pods in the browser. The log goes on
// meanwhile; its files start after the snapshot's revision (a snapshot
// starts right after a flush), so installing the snapshot drops only the
// files it covers. One given up (the engine closed, an explicit
// Snapshot) leaves parts no manifest names, which the next one removes.
type snapshotWork struct {
	m      manifest
	prefix string
	kvs    []KV
	next   int
	size   int    // bytes of the parts written
	buf    []byte // the part being filled, kept from one flush to the next
	err    error
}

// startSnapshot takes the store's state for a snapshot at its revision;
// the log from here on is counted towards the next one.
func (p *Persister) startSnapshot(now time.Time) {
	w := &snapshotWork{m: manifest{Revision: p.s.rev, Compacted: p.s.compacted, Time: now.UTC()}}
	w.prefix, w.err = p.partPrefix(w.m.Revision)
	w.kvs = make([]KV, 0, len(p.s.data))
	p.s.ascend("", func(key string) { w.kvs = append(w.kvs, *p.s.data[key]) })
	p.work = w
	p.logged, p.logSize = 0, 0
}

// continueSnapshot writes a step of the snapshot under way (about
// snapshotStep bytes of its records, all of them when all is true),
// writing each part that fills up, and installs it once they are all
// written.
func (p *Persister) continueSnapshot(all bool) error {
	w := p.work
	if w.err != nil {
		p.work = nil
		return w.err
	}
	if w.buf == nil {
		w.buf = make([]byte, 0, snapshotPartSize+64<<10)
	}
	buf := w.buf
	defer func() { w.buf = buf }() // a part filled over several flushes
	writePart := func() error {
		name := fmt.Sprintf("%s-%04d.part", w.prefix, len(w.m.Parts))
		if err := hackpadfs.WriteFullFile(p.fs, path.Join(p.dir, name), buf, 0o644); err != nil {
			return fmt.Errorf("store: write snapshot: %w", err)
		}
		w.m.Parts = append(w.m.Parts, manifestPart{Name: name, Size: len(buf), CRC32: crc32.ChecksumIEEE(buf)})
		w.size += len(buf)
		buf = buf[:0]
		return nil
	}
	for step := 0; w.next < len(w.kvs) && (all || step < snapshotStep); w.next++ {
		kv := &w.kvs[w.next]
		n := len(buf)
		var err error
		buf, err = appendRecordWith(buf, record{Rev: kv.ModRevision, Key: kv.Key, CreateRev: kv.CreateRevision}, kv.Value)
		if err != nil {
			p.work = nil
			return err
		}
		buf = append(buf, '\n')
		step += len(buf) - n
		kv.Value = nil // written: no longer held
		if len(buf) >= snapshotPartSize || w.next == len(w.kvs)-1 {
			if err := writePart(); err != nil {
				p.work = nil
				return err
			}
		}
	}
	if w.next < len(w.kvs) {
		return nil // more at the next flush
	}
	p.work = nil
	body, err := json.Marshal(w.m)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	header, _ := json.Marshal(snapshotHeader{Format: Format, SHA256: hex.EncodeToString(sum[:])})
	data := append(append(header, '\n'), body...)
	if err := p.replaceSnapshot(data); err != nil {
		return err
	}
	p.snapSize = len(data) + w.size
	p.dropParts()
	return p.dropLog(w.m.Revision)
}

// partPrefix names the parts of a snapshot at rev: snap/REV-G, G the
// first number whose parts do not exist yet (a second snapshot at the
// same revision must not overwrite the parts of the one installed).
func (p *Persister) partPrefix(rev int64) (string, error) {
	if err := hackpadfs.MkdirAll(p.fs, path.Join(p.dir, "snap"), 0o755); err != nil {
		return "", fmt.Errorf("store: write snapshot: %w", err)
	}
	for g := 0; g < 1000; g++ {
		prefix := fmt.Sprintf("snap/%016d-%d", rev, g)
		_, err := hackpadfs.Stat(p.fs, path.Join(p.dir, prefix+"-0000.part"))
		if errors.Is(err, fs.ErrNotExist) {
			return prefix, nil
		}
		if err != nil {
			return "", fmt.Errorf("store: write snapshot: %w", err)
		}
	}
	return "", fmt.Errorf("store: write snapshot: no free name for the parts of revision %d", rev)
}

// dropParts removes the parts neither snapshot.json nor snapshot.prev
// names: those of older snapshots, or of one a crash left unfinished.
// When either manifest cannot be read, nothing is removed.
func (p *Persister) dropParts() {
	keep := map[string]bool{}
	for _, name := range []string{"snapshot.json", "snapshot.prev"} {
		data, err := hackpadfs.ReadFile(p.fs, path.Join(p.dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return
		}
		parts, err := manifestParts(data)
		if err != nil {
			return
		}
		for _, part := range parts {
			keep[part] = true
		}
	}
	entries, err := hackpadfs.ReadDir(p.fs, path.Join(p.dir, "snap"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if name := "snap/" + e.Name(); !keep[name] {
			_ = hackpadfs.Remove(p.fs, path.Join(p.dir, name))
		}
	}
}

// replaceSnapshot writes the new snapshot beside the old one and swaps
// them, so one complete snapshot exists at every moment.
func (p *Persister) replaceSnapshot(data []byte) error {
	cur, prev, tmp := path.Join(p.dir, "snapshot.json"), path.Join(p.dir, "snapshot.prev"), path.Join(p.dir, "snapshot.tmp")
	if err := hackpadfs.WriteFullFile(p.fs, tmp, data, 0o644); err != nil {
		return fmt.Errorf("store: write snapshot: %w", err)
	}
	if _, err := hackpadfs.Stat(p.fs, cur); err == nil {
		_ = hackpadfs.Remove(p.fs, prev)
		if err := hackpadfs.Rename(p.fs, cur, prev); err != nil {
			return fmt.Errorf("store: keep previous snapshot: %w", err)
		}
	}
	if err := hackpadfs.Rename(p.fs, tmp, cur); err != nil {
		return fmt.Errorf("store: install snapshot: %w", err)
	}
	return nil
}

// dropLog removes the log files wholly covered by a snapshot at rev.
func (p *Persister) dropLog(rev int64) error {
	entries, err := hackpadfs.ReadDir(p.fs, path.Join(p.dir, "wal"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		start, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".log"), 10, 64)
		if err == nil && start <= rev {
			_ = hackpadfs.Remove(p.fs, path.Join(p.dir, "wal", e.Name()))
		}
	}
	return nil
}
