package topo

import "regexp"

// regionRE is the shape of an AWS region name: us-east-1, eu-west-3,
// ap-southeast-2, us-gov-west-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)

// buildRegion takes the lab's region (default us-east-1). Only the
// instances' DNS names depend on it, as on AWS: us-east-1 names are
// ip-10-0-1-10.ec2.internal, other regions' ip-10-0-1-10.REGION.compute.internal.
func (b *builder) buildRegion(raw *labHCL) {
	b.lab.Region = DefaultRegion
	if raw.Region == nil {
		return
	}
	if !regionRE.MatchString(*raw.Region) {
		b.errf(attr(raw.Body, "region", raw.DefRange), "Invalid region",
			"region %q is not an AWS region name: use one like \"us-east-1\" or \"eu-west-3\".", *raw.Region)
		return
	}
	b.lab.Region = *raw.Region
}

// buildInstanceMetadata takes an instance's user_data and imds.
func (b *builder) buildInstanceMetadata(inst *Instance, r *instanceHCL) {
	inst.IMDS = IMDSv2
	if r.IMDS != nil {
		if p := oneOf("imds", *r.IMDS, IMDSv1, IMDSv2); p != "" {
			b.errf(attr(r.Body, "imds", r.DefRange), "Invalid imds", "instance %q: %s (v2 requires a session token, as new AWS accounts do).", r.Name, p)
		} else {
			inst.IMDS = *r.IMDS
		}
	}
	if r.UserData != nil {
		if n := len(*r.UserData); n > MaxUserData {
			b.errf(attr(r.Body, "user_data", r.DefRange), "User data too long",
				"instance %q: user_data is %d bytes; AWS accepts at most %d (16 KiB). Keep a short script that fetches the rest.", r.Name, n, MaxUserData)
		} else {
			inst.UserData = *r.UserData
		}
	}
}
