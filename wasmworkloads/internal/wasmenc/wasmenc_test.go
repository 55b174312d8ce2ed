package wasmenc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLEB128(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		uleb []byte
		sleb []byte
	}{
		{0, []byte{0x00}, []byte{0x00}},
		{1, []byte{0x01}, []byte{0x01}},
		{63, []byte{0x3f}, []byte{0x3f}},
		{64, []byte{0x40}, []byte{0xc0, 0x00}},
		{96, []byte{0x60}, []byte{0xe0, 0x00}},
		{127, []byte{0x7f}, []byte{0xff, 0x00}},
		{128, []byte{0x80, 0x01}, []byte{0x80, 0x01}},
		{624485, []byte{0xe5, 0x8e, 0x26}, []byte{0xe5, 0x8e, 0x26}},
	} {
		assert.Equal(t, tc.uleb, ULEB(uint64(tc.v)), "ULEB(%d)", tc.v)
		assert.Equal(t, tc.sleb, SLEB(tc.v), "SLEB(%d)", tc.v)
	}
	assert.Equal(t, []byte{0x7f}, SLEB(-1))
	assert.Equal(t, []byte{0x40}, SLEB(-64))
	assert.Equal(t, []byte{0xbf, 0x7f}, SLEB(-65))
}

func TestFraming(t *testing.T) {
	assert.Equal(t, []byte{3, 'a', 'b', 'c'}, Name("abc"))
	assert.Equal(t, []byte{2, 7, 8}, Vector([]byte{7}, []byte{8}))
	assert.Equal(t, []byte{SectionCode, 2, 0xaa, 0xbb}, Section(SectionCode, []byte{0xaa, 0xbb}))
	assert.Equal(t, []byte{3, 0, OpDrop, OpEnd}, Function([]byte{OpDrop}))
	assert.Equal(t, []byte{0, OpI32Const, 16, OpEnd, 2, 'h', 'i'}, ActiveData(16, []byte("hi")))
}
