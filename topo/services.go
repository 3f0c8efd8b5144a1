package topo

// ServiceKinds lists every service kind an instance may run, in one place.
// nodes/svc keeps the matching registry of how to run each; a unit test
// there checks the two agree.
var serviceKinds = []string{"sshd", "smtp", "mariadb"}

// ServiceKinds returns the known service kinds, sorted as documented.
func ServiceKinds() []string {
	return append([]string(nil), serviceKinds...)
}

// KnownServiceKind reports whether kind is a known service kind.
func KnownServiceKind(kind string) bool {
	for _, k := range serviceKinds {
		if k == kind {
			return true
		}
	}
	return false
}
