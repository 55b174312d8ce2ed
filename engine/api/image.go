package api

import "strings"

// NormalizeImage returns the fully qualified form of an image reference, as
// container runtimes report it: "nginx" → "docker.io/library/nginx:latest",
// "registry.k8s.io/pause:3.10" unchanged. A digest reference keeps its digest.
func NormalizeImage(ref string) string {
	name, digest, hasDigest := strings.Cut(ref, "@")
	domain, rest := splitDomain(name)
	if domain == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	full := domain + "/" + rest
	if hasDigest {
		return full + "@" + digest
	}
	if !strings.Contains(rest[strings.LastIndex(rest, "/")+1:], ":") {
		full += ":latest"
	}
	return full
}

// ImageRepository returns the normalized reference without tag or digest:
// "nginx:1.25" → "docker.io/library/nginx".
func ImageRepository(ref string) string {
	n := NormalizeImage(ref)
	if i := strings.Index(n, "@"); i >= 0 {
		return n[:i]
	}
	slash := strings.LastIndex(n, "/")
	if i := strings.LastIndex(n, ":"); i > slash {
		return n[:i]
	}
	return n
}

// ImageTag returns the tag of a reference, "latest" when it has none, or ""
// for a digest reference.
func ImageTag(ref string) string {
	n := NormalizeImage(ref)
	if strings.Contains(n, "@") {
		return ""
	}
	return n[strings.LastIndex(n, ":")+1:]
}

func splitDomain(name string) (domain, rest string) {
	i := strings.IndexByte(name, '/')
	if i < 0 {
		return "docker.io", name
	}
	first := name[:i]
	if !strings.ContainsAny(first, ".:") && first != "localhost" {
		return "docker.io", name
	}
	if first == "index.docker.io" {
		first = "docker.io"
	}
	return first, name[i+1:]
}
