package nodes

import "github.com/netemu/netemu/nodes/imds"

// builtins lists netemu's own daemons that `netemu supervise` can run
// in-process (besides init), in one place.
func builtins() map[string]BuiltinFunc {
	return map[string]BuiltinFunc{
		BuiltinIMDS: imds.Run,
	}
}
