package topo

// checkPublicPools refuses a VPC whose running instances want more
// automatic public IPs than its public_ip_pool holds: at `up` every
// instance starts and draws one, so the lab would be built and torn down
// again on the first that finds none. The usable addresses are the pool's
// without its first and last (as fw allocates them) and without the
// Elastic IPs, which stay reserved.
func (b *builder) checkPublicPools() {
	if len(b.diags) > 0 {
		return
	}
	for _, v := range b.lab.VPCs {
		if !v.PublicIPPool.IsValid() {
			continue
		}
		size := prefixSize(v.PublicIPPool)
		usable := size
		if size >= 4 {
			usable -= 2
		}
		first, last := v.PublicIPPool.Addr(), lastAddr(v.PublicIPPool)
		eips := uint64(0)
		for _, e := range b.lab.ElasticIPs {
			if e.VPC == v.Name && e.Address.IsValid() && (size < 4 || (e.Address != first && e.Address != last)) {
				eips++
			}
		}
		free := uint64(0)
		if usable > eips {
			free = usable - eips
		}
		autos := uint64(0)
		for _, n := range b.lab.Nodes {
			if n.Kind != KindInstance || n.VPC != v.Name || n.Instance == nil || n.Instance.PublicIP != "auto" || n.Instance.ElasticIP != "" {
				continue
			}
			if autos++; autos > free {
				b.errf(b.label(n.Range, 0), "Public IP pool exhausted",
					"instance %q needs an automatic public IP, but vpc %q's public_ip_pool %s has only %d for instances (%d usable addresses, its first and last aside, minus %d Elastic IPs); enlarge the pool or give the instance public_ip = \"none\".",
					n.Name, v.Name, v.PublicIPPool, free, usable, eips)
			}
		}
	}
}
