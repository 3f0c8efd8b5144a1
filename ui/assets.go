package ui

import (
	"embed"
	"fmt"
	"io/fs"
)

// dist is the front end as `make ui` builds it from ui/web (npm ci and
// esbuild, pinned by package-lock.json). It is committed, so building
// netemu needs neither node nor npm, and the page fetches nothing from
// anywhere but this server.
//
//go:embed dist
var dist embed.FS

// Assets is the embedded front end, rooted at its index.html.
func Assets() (fs.FS, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("ui assets: %w", err)
	}
	return sub, nil
}
