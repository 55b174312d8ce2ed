// Package web is the built playground site, made by `make build`.
//
// The build (web/build.mjs) writes the page, its content-hashed assets and
// their precompressed .br/.gz siblings into web/site/; this package embeds
// that directory so that cmd/serve is a single self-contained binary. Until
// the site is built the directory holds only .gitkeep, and the server answers
// that the site is not built.
package web

import (
	"embed"
	"io/fs"
)

// Site is the web/site directory as embedded at compile time.
//
// The all: prefix keeps files whose names begin with "_" (bundlers like to
// emit such chunks); it also embeds .gitkeep, which the static handler refuses
// to serve because it never serves dot-files.
//
//go:embed all:site
var Site embed.FS

// Files returns the built site with the site/ prefix removed, so that
// index.html is at the root, as it is on the web.
func Files() fs.FS {
	sub, err := fs.Sub(Site, "site")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "site" is valid.
		panic("web: " + err.Error())
	}
	return sub
}
