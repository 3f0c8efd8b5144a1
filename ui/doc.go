// Package ui is netemu's live view: an HTTP and WebSocket server that
// pushes a running lab's state to a page drawing it (Cytoscape.js), lets
// the page cut and restore links and trace paths, and opens terminals into
// nodes (xterm.js on a real pty).
//
// The state flows one way: watchers (watch_linux.go) follow the kernel —
// netlink link and route notifications in every node's namespace — and the
// lab's files (faults, the AWS bookkeeping, each router's event log) with
// inotify, change the Model, and the Model's setters return the messages
// that describe each change. The server broadcasts them, numbered, to every
// page; a page that connects (or reconnects, or falls behind) gets one
// snapshot and then the changes after it. Nothing polls the agents on a
// clock: an agent is asked for its sessions only when its event log says a
// session or neighbour changed.
//
// The front end's source is in ui/web; `make ui` rebuilds ui/dist, which is
// committed and embedded.
package ui
