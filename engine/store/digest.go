package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
)

// digest is a running hash of every revision the store committed: each
// change folds its revision, type, key and value into the hash of those
// before it. The changes still in the history are folded only when they
// are compacted away or the digest is asked for, so keeping it costs
// nothing on the write path.
type digest struct {
	sum    [sha256.Size]byte
	folded int64 // the last revision in sum
}

// KeepDigest starts the digest of the store's history (Digest). Call it
// before anything is compacted: what was compacted before is not in it.
func (s *Store) KeepDigest() {
	if s.digest == nil {
		s.digest = &digest{}
	}
}

// Digest returns the hex SHA-256 chain of every change since KeepDigest
// (of a store opened from disk: since it was opened), or "" when it is not
// kept. Two stores that went through the same changes in the same order
// have the same digest, wherever and however fast they ran, and whenever
// they were compacted.
func (s *Store) Digest() string {
	if s.digest == nil {
		return ""
	}
	d := *s.digest
	for _, ev := range s.history {
		d.fold(ev)
	}
	return hex.EncodeToString(d.sum[:])
}

// foldCompacted folds the changes about to be compacted away.
func (s *Store) foldCompacted(upTo int) {
	if s.digest == nil {
		return
	}
	for _, ev := range s.history[:upTo] {
		s.digest.fold(ev)
	}
}

func (d *digest) fold(ev Event) {
	if ev.Revision <= d.folded {
		return
	}
	h := sha256.New()
	h.Write(d.sum[:])
	h.Write(strconv.AppendInt(nil, ev.Revision, 10))
	h.Write([]byte{' ', byte('0' + ev.Type), ' '})
	h.Write([]byte(ev.KV.Key))
	h.Write([]byte{' '})
	if b, err := api.Marshal(ev.KV.Value); err == nil {
		h.Write(b)
	}
	h.Sum(d.sum[:0])
	d.folded = ev.Revision
}

// Revisions lists the changes still in the history, one line each:
// revision, PUT or DELETE, key and a digest of the value, to find where
// two histories part (kubeplay hash --revisions).
func (s *Store) Revisions() []string {
	out := make([]string, 0, len(s.history))
	for _, ev := range s.history {
		b, _ := api.Marshal(ev.KV.Value)
		sum := sha256.Sum256(b)
		op := "PUT"
		if ev.Type == Delete {
			op = "DELETE"
		}
		out = append(out, strconv.FormatInt(ev.Revision, 10)+" "+op+" "+ev.KV.Key+" "+hex.EncodeToString(sum[:6]))
	}
	return out
}
