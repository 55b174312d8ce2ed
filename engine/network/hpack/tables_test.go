package hpack

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhpack "golang.org/x/net/http2/hpack"
)

// canonical derives the decoding tables from the code lengths.
func canonical() (first [31]int, count [31]uint16, index [31]uint16, syms [257]uint16) {
	n := 0
	code := 0
	for l := 1; l <= 30; l++ {
		index[l] = uint16(n)
		first[l] = code
		for s := 0; s < 257; s++ {
			if int(codeLengths[s]) == l {
				syms[n] = uint16(s)
				n++
				count[l]++
				code++
			}
		}
		code <<= 1
	}
	return
}

// The literal tables are those the code lengths give.
func TestDecodingTables(t *testing.T) {
	first, count, index, syms := canonical()
	assert.Equal(t, first, firstCode)
	assert.Equal(t, count, lengthCount)
	assert.Equal(t, index, firstIndex)
	assert.Equal(t, syms, symbolsByLength)
}

// Every symbol decodes as x/net's encoder codes it, in strings of all
// lengths (so every padding), over seeds.
func TestHuffmanAgainstXNet(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if seed%2 == 0 {
				b[i] = "abcdefghijklmnopqrstuvwxyz0123456789-/:. "[rng.IntN(41)]
			}
		}
		got, err := huffmanDecode(xhpack.AppendHuffmanString(nil, string(b)))
		require.NoError(t, err, "seed %d", seed)
		assert.Equal(t, string(b), got, "seed %d", seed)
	}
}

// Header blocks from x/net's encoder (Huffman codes, the dynamic table,
// its evictions and size updates) decode to what it encoded, block after
// block on one connection.
func TestDecodeAgainstXNet(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		var buf bytes.Buffer
		enc := xhpack.NewEncoder(&buf)
		dec := NewDecoder()
		names := []string{":status", "content-type", "grpc-status", "grpc-message", "x-custom", ":path", "user-agent", "date"}
		for block := 0; block < 20; block++ {
			buf.Reset()
			if rng.IntN(10) == 0 {
				enc.SetMaxDynamicTableSize(uint32(rng.IntN(4097)))
			}
			var want []Field
			for range 1 + rng.IntN(8) {
				f := Field{Name: names[rng.IntN(len(names))], Value: strings.Repeat("v", rng.IntN(300)) + strconv.Itoa(rng.IntN(5))}
				require.NoError(t, enc.WriteField(xhpack.HeaderField{Name: f.Name, Value: f.Value, Sensitive: rng.IntN(5) == 0}))
				want = append(want, f)
			}
			got, err := dec.Decode(buf.Bytes())
			require.NoError(t, err, "seed %d block %d", seed, block)
			assert.Equal(t, want, got, "seed %d block %d", seed, block)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		block []byte
		want  error
	}{
		{"index 0", []byte{0x80}, ErrIndex},
		{"index past the tables", []byte{0x80 | 62}, ErrIndex},
		{"truncated integer", []byte{0xff}, ErrTruncated},
		{"truncated string", []byte{0x10, 0x05, 'a'}, ErrTruncated},
		{"table size over the limit", []byte{0x3f, 0xe2, 0x1f}, ErrTableSize}, // 4097
		{"EOS in a string", append([]byte{0x10, 0x01, 'a', 0x84}, 0xff, 0xff, 0xff, 0xff), ErrHuffman},
		{"padding not ones", []byte{0x10, 0x01, 'a', 0x81, 0x00}, ErrHuffman},
		{"padding too long", []byte{0x10, 0x01, 'a', 0x82, 0x1f, 0xff}, ErrHuffman},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDecoder().Decode(tt.block)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// What the encoder appends decodes back, static indices included.
func TestEncode(t *testing.T) {
	b := AppendIndexed(nil, 3)
	b = AppendIndexed(b, 8)
	b = AppendNeverIndexed(b, "grpc-message", strings.Repeat("x", 200))
	got, err := NewDecoder().Decode(b)
	require.NoError(t, err)
	assert.Equal(t, []Field{{":method", "POST"}, {":status", "200"}, {"grpc-message", strings.Repeat("x", 200)}}, got)
	fields, err := xhpack.NewDecoder(4096, nil).DecodeFull(b)
	require.NoError(t, err)
	assert.Equal(t, "grpc-message", fields[2].Name)
	assert.True(t, fields[2].Sensitive)
}
