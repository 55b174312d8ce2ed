package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeImage(t *testing.T) {
	tests := []struct{ in, full, repo, tag string }{
		{"nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx", "latest"},
		{"nginx:1.14.2", "docker.io/library/nginx:1.14.2", "docker.io/library/nginx", "1.14.2"},
		{"hashicorp/http-echo", "docker.io/hashicorp/http-echo:latest", "docker.io/hashicorp/http-echo", "latest"},
		{"registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", "registry.k8s.io/pause", "3.10"},
		{"localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app", "latest"},
		{"busybox@sha256:abc", "docker.io/library/busybox@sha256:abc", "docker.io/library/busybox", ""},
		{"registry.k8s.io/e2e-test-images/agnhost:2.53", "registry.k8s.io/e2e-test-images/agnhost:2.53", "registry.k8s.io/e2e-test-images/agnhost", "2.53"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.full, NormalizeImage(tt.in), tt.in)
		assert.Equal(t, tt.repo, ImageRepository(tt.in), tt.in)
		assert.Equal(t, tt.tag, ImageTag(tt.in), tt.in)
	}
}
