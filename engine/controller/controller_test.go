package controller

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// LabelsEqual says what reflect.DeepEqual says of two label maps.
func TestLabelsEqual(t *testing.T) {
	for _, tt := range []struct {
		name string
		a, b map[string]string
	}{
		{"both nil", nil, nil},
		{"nil and empty", nil, map[string]string{}},
		{"empty and nil", map[string]string{}, nil},
		{"both empty", map[string]string{}, map[string]string{}},
		{"same", map[string]string{"app": "web", "tier": "front"}, map[string]string{"tier": "front", "app": "web"}},
		{"value differs", map[string]string{"app": "web"}, map[string]string{"app": "db"}},
		{"key differs", map[string]string{"app": "web"}, map[string]string{"name": "web"}},
		{"one more", map[string]string{"app": "web"}, map[string]string{"app": "web", "x": ""}},
		{"empty value", map[string]string{"app": ""}, map[string]string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, reflect.DeepEqual(tt.a, tt.b), LabelsEqual(tt.a, tt.b))
		})
	}
}
