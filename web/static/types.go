package static

import (
	"mime"
	"path"
	"strings"
)

// contentTypes fixes the types of the files the site is made of, rather than
// trusting the system's MIME tables: browsers compile WebAssembly streamingly
// only when it comes as application/wasm, and with nosniff a script with a
// wrong type is not run at all.
var contentTypes = map[string]string{
	".wasm": "application/wasm",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".txt":  "text/plain; charset=utf-8",
}

// contentType is the Content-Type for the file name.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compressibleTypes are the media types, besides text/*, that shrink under
// compression; images other than SVG and fonts are compressed already.
var compressibleTypes = map[string]bool{
	"application/javascript":    true,
	"application/json":          true,
	"application/manifest+json": true,
	"application/wasm":          true,
	"application/xml":           true,
	"image/svg+xml":             true,
}

// compressible reports whether a file of the content type ctype is worth
// compressing, so that it is negotiated and gzipped on the fly if need be.
func compressible(ctype string) bool {
	mediaType, _, _ := strings.Cut(ctype, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	return strings.HasPrefix(mediaType, "text/") || compressibleTypes[mediaType]
}
