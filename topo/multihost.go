package topo

// buildVXLANPort reads the lab's vxlan_port: the UDP port every machine's
// tunnels use, so it must be a real port (0 would let the kernel pick one
// per machine, and the ends would never meet).
func (b *builder) buildVXLANPort(raw *labHCL) {
	if raw.VXLANPort == nil {
		return
	}
	p := *raw.VXLANPort
	if p < 1 || p > 65535 {
		b.errf(attr(raw.Body, "vxlan_port", raw.DefRange), "Invalid port", "vxlan_port %d is not a UDP port (1–65535)", p)
		return
	}
	b.lab.VXLANPort = uint16(p)
}
