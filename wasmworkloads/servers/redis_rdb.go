package main

import (
	"bytes"
	"errors"
	"os"
	"sort"
	"strconv"
	"time"
)

// Redis's snapshot: dump.rdb in the working directory (/data in the
// image), written at shutdown as redis-server does with its default save
// points and read at start. The format is RDB version 12, as Redis 8
// writes it: auxiliary fields, database 0's string keys with their
// expiry times, EOF and the CRC-64 (Jones) of everything before it.

const rdbFile = "dump.rdb"

// rdbBaseMemory is what an empty Redis uses, for used-mem.
const rdbBaseMemory = 917504

// save writes the snapshot; it returns its size.
func (db *redisDB) save() (int, error) {
	var b bytes.Buffer
	b.WriteString("REDIS0012")
	aux := func(k, v string) {
		b.WriteByte(0xfa)
		rdbString(&b, k)
		rdbString(&b, v)
	}
	used := rdbBaseMemory
	for k, v := range db.data {
		used += len(k) + len(v) + 64
	}
	aux("redis-ver", redisVersion)
	aux("redis-bits", "64")
	aux("ctime", strconv.FormatInt(time.Now().Unix(), 10))
	aux("used-mem", strconv.Itoa(used))
	aux("aof-base", "0")
	b.WriteByte(0xfe) // SELECTDB 0
	rdbLength(&b, 0)
	b.WriteByte(0xfb) // RESIZEDB
	rdbLength(&b, len(db.data))
	rdbLength(&b, len(db.expires))
	keys := make([]string, 0, len(db.data))
	for k := range db.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if at, ok := db.expires[k]; ok {
			b.WriteByte(0xfc)
			putUint64(&b, uint64(at.UnixMilli()))
		}
		b.WriteByte(0) // a string
		rdbString(&b, k)
		rdbString(&b, db.data[k])
	}
	b.WriteByte(0xff)
	putUint64(&b, crc64Jones(b.Bytes()))
	if err := os.WriteFile("temp-1.rdb", b.Bytes(), 0o644); err != nil {
		return 0, err
	}
	return b.Len(), os.Rename("temp-1.rdb", rdbFile)
}

// rdbInfo is what loading a snapshot tells.
type rdbInfo struct {
	version         string
	ctime           int64
	usedMem         int
	loaded, expired int
}

// load reads the snapshot, if there is one.
func (db *redisDB) load() (rdbInfo, bool, error) {
	var info rdbInfo
	data, err := os.ReadFile(rdbFile)
	if errors.Is(err, os.ErrNotExist) {
		return info, false, nil
	}
	if err != nil {
		return info, true, err
	}
	bad := errors.New("Short read or OOM loading DB. Unrecoverable error, aborting now.")
	if len(data) < 9+9 || string(data[:5]) != "REDIS" {
		return info, true, errors.New("Wrong signature trying to load DB from file")
	}
	body := data[:len(data)-8]
	if sum := uint64At(data[len(data)-8:]); sum != 0 && sum != crc64Jones(body) {
		return info, true, errors.New("Wrong RDB checksum. Aborting now.")
	}
	r := &rdbReader{b: body[9:]}
	var expireAt time.Time
	for r.err == nil && len(r.b) > 0 {
		switch op := r.byte(); op {
		case 0xfa:
			k := r.string()
			v := r.string()
			switch k {
			case "redis-ver":
				info.version = v
			case "ctime":
				info.ctime, _ = strconv.ParseInt(v, 10, 64)
			case "used-mem":
				info.usedMem, _ = strconv.Atoi(v)
			}
		case 0xfe:
			r.length()
		case 0xfb:
			r.length()
			r.length()
		case 0xfc:
			if len(r.b) < 8 {
				return info, true, bad
			}
			expireAt = time.UnixMilli(int64(uint64At(r.b)))
			r.b = r.b[8:]
		case 0xff:
			return info, true, nil
		case 0:
			k := r.string()
			v := r.string()
			if !expireAt.IsZero() && !time.Now().Before(expireAt) {
				info.expired++
			} else {
				db.data[k] = v
				if !expireAt.IsZero() {
					db.expires[k] = expireAt
				}
				info.loaded++
			}
			expireAt = time.Time{}
		default:
			return info, true, errors.New("Unknown RDB encoding type " + strconv.Itoa(int(op)))
		}
	}
	if r.err != nil {
		return info, true, bad
	}
	return info, true, nil
}

func rdbLength(b *bytes.Buffer, n int) {
	switch {
	case n < 1<<6:
		b.WriteByte(byte(n))
	case n < 1<<14:
		b.WriteByte(0x40 | byte(n>>8))
		b.WriteByte(byte(n))
	default:
		b.WriteByte(0x80)
		b.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	}
}

func rdbString(b *bytes.Buffer, s string) {
	rdbLength(b, len(s))
	b.WriteString(s)
}

type rdbReader struct {
	b   []byte
	err error
}

func (r *rdbReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errors.New("short")
		return 0xff
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *rdbReader) length() int {
	c := r.byte()
	switch c >> 6 {
	case 0:
		return int(c & 0x3f)
	case 1:
		return int(c&0x3f)<<8 | int(r.byte())
	case 2:
		if len(r.b) < 4 {
			r.err = errors.New("short")
			return 0
		}
		n := uint32(r.b[0])<<24 | uint32(r.b[1])<<16 | uint32(r.b[2])<<8 | uint32(r.b[3])
		r.b = r.b[4:]
		return int(n)
	}
	r.err = errors.New("encoded")
	return 0
}

func (r *rdbReader) string() string {
	n := r.length()
	if r.err != nil || n > len(r.b) {
		r.err = errors.New("short")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// crc64Jones is Redis's CRC-64: the Jones polynomial, reflected, with
// no initial or final inversion.
func crc64Jones(b []byte) uint64 {
	var crc uint64
	for _, c := range b {
		crc ^= uint64(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x95ac9329ac4bc9b5
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// putUint64 and uint64At write and read little-endian 64-bit numbers.
func putUint64(b *bytes.Buffer, v uint64) {
	for i := range 8 {
		b.WriteByte(byte(v >> (8 * i)))
	}
}

func uint64At(b []byte) uint64 {
	var v uint64
	for i := range 8 {
		v |= uint64(b[i]) << (8 * i)
	}
	return v
}
