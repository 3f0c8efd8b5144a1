package topo

import "time"

// linkImpairment checks and sets the link's impairment attributes, each
// error on its own attribute, then the settings against each other.
func (b *builder) linkImpairment(r *linkHCL, k *Link) {
	delay := func(name string, s *string, dst *time.Duration) bool {
		if s == nil {
			return true
		}
		v, prob := ParseDelay(*s)
		if prob != "" {
			b.errf(attr(r.Body, name, r.DefRange), "Invalid "+name, "%s", prob)
			return false
		}
		*dst = v
		return true
	}
	percent := func(name string, s *string, dst *float64) bool {
		if s == nil {
			return true
		}
		v, prob := ParsePercent(*s)
		if prob != "" {
			b.errf(attr(r.Body, name, r.DefRange), "Invalid "+name, "%s %s", name, prob)
			return false
		}
		*dst = v
		return true
	}
	ok := delay("delay", r.Delay, &k.Delay)
	ok = delay("jitter", r.Jitter, &k.Jitter) && ok
	ok = percent("loss", r.Loss, &k.Loss) && ok
	ok = percent("duplicate", r.Duplicate, &k.Duplicate) && ok
	ok = percent("reorder", r.Reorder, &k.Reorder) && ok
	ok = percent("corrupt", r.Corrupt, &k.Corrupt) && ok
	rate, name := r.Rate, "rate"
	if r.Bandwidth != nil {
		if r.Rate != nil {
			b.errf(attr(r.Body, "bandwidth", r.DefRange), "Both rate and bandwidth", "bandwidth is another name for rate: give one of them.")
			return
		}
		rate, name = r.Bandwidth, "bandwidth"
	}
	if rate != nil {
		v, prob := ParseRate(*rate)
		if prob != "" {
			b.errf(attr(r.Body, name, r.DefRange), "Invalid "+name, "%s", prob)
			ok = false
		}
		k.Bandwidth = v
	}
	if !ok {
		return
	}
	for _, p := range k.Impairment().Problems() {
		b.errf(attr(r.Body, p.Field, r.DefRange), "Invalid "+p.Field, "%s", p.Msg)
	}
}
